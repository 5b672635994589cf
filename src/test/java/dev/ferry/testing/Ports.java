package dev.ferry.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Free TCP ports on 127.0.0.1 for tests that must name a port before something binds it (cluster
 * members listed in a Hazelcast config, node processes started with {@code --port}).
 *
 * <p>Ports come from below the kernel's ephemeral range (on Linux it starts at 32768, see
 * {@code /proc/sys/net/ipv4/ip_local_port_range}), never from port 0: a port the kernel chose once
 * may be handed out again as the local port of any outgoing connection between the moment it is
 * released here and the moment the test binds it, which made Hazelcast fail now and then with
 * "Port already in use". Below that range only explicit binds compete. Each JVM starts at an
 * offset derived from its process id and never hands out the same port twice, and every port is
 * checked by binding it before it is returned. Thread-safe.
 */
public final class Ports {
  private static final int FIRST = 20_000;
  private static final int BLOCK = 200;
  private static final int BLOCKS = (ephemeralStart() - FIRST) / BLOCK;
  private static final AtomicInteger NEXT =
      new AtomicInteger((int) (ProcessHandle.current().pid() % BLOCKS) * BLOCK);

  private Ports() {}

  /** {@code count} distinct ports that were free on 127.0.0.1 a moment ago and are not ephemeral. */
  public static List<Integer> free(int count) {
    int span = BLOCKS * BLOCK;
    List<Integer> ports = new ArrayList<>(count);
    for (int tried = 0; ports.size() < count; tried++) {
      if (tried >= span) {
        throw new IllegalStateException("no free port between " + FIRST + " and " + (FIRST + span)
            + " on 127.0.0.1: stop the processes left over from earlier test runs");
      }
      int port = FIRST + Math.floorMod(NEXT.getAndIncrement(), span);
      if (bindable(port)) {
        ports.add(port);
      }
    }
    return List.copyOf(ports);
  }

  private static boolean bindable(int port) {
    try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static int ephemeralStart() {
    try {
      String range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim();
      return Math.max(FIRST + BLOCK, Integer.parseInt(range.split("\\s+")[0]));
    } catch (IOException | RuntimeException e) {
      return 32_768;
    }
  }
}
