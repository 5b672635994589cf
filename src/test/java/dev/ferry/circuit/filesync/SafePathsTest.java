package dev.ferry.circuit.filesync;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Parallel transfers into the same new directory must not trip over each other. */
@Timeout(60)
class SafePathsTest {
  @Test
  void concurrentTransfersCreateTheSameDirectoriesWithoutFailing(@TempDir Path tmp) throws Exception {
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      for (int round = 0; round < 30; round++) {
        Path root = tmp.resolve("root" + round);
        CyclicBarrier start = new CyclicBarrier(threads);
        List<Future<Path>> results = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          String name = "inbox/deep/er/file" + t;
          results.add(pool.submit(() -> {
            start.await(10, TimeUnit.SECONDS);
            return SafePaths.resolve(root, name);
          }));
        }
        for (Future<Path> result : results) {
          assertThat(result.get(10, TimeUnit.SECONDS).getParent()).isEqualTo(root.toRealPath().resolve("inbox/deep/er"));
        }
        assertThat(Files.isDirectory(root.resolve("inbox/deep/er"))).isTrue();
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
