package dev.ferry.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * The lines one class logs while this is open, for tests that assert what an operator is told
 * (an ERROR naming a refused member, a WARN naming a denied frame). Close it to detach.
 *
 * <p>Thread-safe: nodes log from their own threads while the test reads.
 */
public final class LogCapture implements AutoCloseable {
  private final Logger logger;
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

  private LogCapture(String source) {
    logger = (Logger) LoggerFactory.getLogger(source);
    appender.start();
    logger.addAppender(appender);
  }

  /** Captures what {@code source}'s logger logs from now on. */
  public static LogCapture of(Class<?> source) {
    return new LogCapture(source.getName());
  }

  /** Captures what every logger logs from now on (the root logger's), Vert.x's and Netty's included. */
  public static LogCapture everything() {
    return new LogCapture(org.slf4j.Logger.ROOT_LOGGER_NAME);
  }

  /** The formatted lines of every level so far, oldest first. */
  public List<String> lines() {
    synchronized (appender) {
      return appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }
  }

  /** The formatted ERROR lines so far. */
  public List<String> errors() {
    return at(Level.ERROR);
  }

  /** The formatted WARN lines so far. */
  public List<String> warnings() {
    return at(Level.WARN);
  }

  /** The formatted lines of exactly {@code level} so far, oldest first. */
  public List<String> at(Level level) {
    synchronized (appender) {   // AppenderBase appends under the appender's lock
      return appender.list.stream().filter(e -> e.getLevel() == level).map(ILoggingEvent::getFormattedMessage).toList();
    }
  }

  @Override
  public void close() {
    logger.detachAppender(appender);
  }
}
