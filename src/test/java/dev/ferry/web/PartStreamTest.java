package dev.ferry.web;

import static dev.ferry.testing.Futures.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.core.FerryException;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.WriteStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The pipe between the multipart parser and the importer: full at its bound, drained on the
 * writer's context once the reader took it down to half, the bytes arriving whole and in order,
 * and a failure reaching a reader that waits for bytes or for the next part.
 */
@Timeout(30)
class PartStreamTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() {
    await(vertx.close(), WAIT);
  }

  @Test
  void aFullPipeDrainsOnTheWritersContextOnceTheReaderTookItDownToHalfAndEveryByteArrivesInOrder() throws Exception {
    Context context = vertx.getOrCreateContext();
    PartStream parts = new PartStream(context);
    byte[] content = new byte[PartStream.PIPE_BYTES + 100];
    new Random(7).nextBytes(content);
    WriteStream<Buffer> pipe = parts.begin("a.bin", false);
    for (int at = 0; at < PartStream.PIPE_BYTES; at += FileParts.WRITE_BYTES) {
      assertThat(pipe.writeQueueFull()).isFalse();
      pipe.write(Buffer.buffer().appendBytes(content, at, FileParts.WRITE_BYTES));
    }
    assertThat(pipe.writeQueueFull()).isTrue();
    Promise<Boolean> drained = Promise.promise();
    pipe.drainHandler(x -> drained.complete(Vertx.currentContext() == context));

    InputStream in = parts.next().content();
    byte[] read = new byte[content.length];
    assertThat(in.readNBytes(read, 0, PartStream.PIPE_BYTES / 2)).isEqualTo(PartStream.PIPE_BYTES / 2);

    assertThat(await(drained.future(), WAIT)).as("drained on the writer's context").isTrue();
    assertThat(pipe.writeQueueFull()).isFalse();
    pipe.write(Buffer.buffer().appendBytes(content, PartStream.PIPE_BYTES, 100));
    pipe.end();
    parts.end();
    int rest = read.length - PartStream.PIPE_BYTES / 2;
    assertThat(in.readNBytes(read, PartStream.PIPE_BYTES / 2, rest)).isEqualTo(rest);
    assertThat(in.read()).isEqualTo(-1);
    assertThat(read).isEqualTo(content);
    assertThat(parts.next()).isNull();
  }

  @Test
  void aFailureReachesTheReaderWaitingForBytesAndTheOneAskingForTheNextPart() throws Exception {
    PartStream parts = new PartStream(vertx.getOrCreateContext());
    parts.begin("cut.bin", false).write(Buffer.buffer("some bytes"));
    InputStream in = parts.next().content();
    assertThat(in.readNBytes(10)).hasSize(10);
    CompletableFuture<Integer> waiting = CompletableFuture.supplyAsync(() -> {
      try {
        return in.read();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    FerryException cut = FerryException.badRequest("the body ends inside the part of cut.bin");

    parts.fail(cut);

    assertThat(waiting).failsWithin(WAIT).withThrowableThat().havingCause().isSameAs(cut);
    assertThatThrownBy(parts::next).isSameAs(cut);
    WriteStream<Buffer> late = parts.begin("late.bin", false);
    late.write(Buffer.buffer(new byte[2 * PartStream.PIPE_BYTES]));
    assertThat(late.writeQueueFull()).as("a part begun after the failure drops its bytes").isFalse();
  }
}
