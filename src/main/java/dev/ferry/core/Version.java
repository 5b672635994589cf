package dev.ferry.core;


import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** ferry's version, stamped into the jar at build time. */
public final class Version {
  private static final String VERSION = read();

  private Version() {}

  public static String current() {
    return VERSION;
  }

  private static String read() {
    try (InputStream in = Version.class.getClassLoader().getResourceAsStream("ferry-version.properties")) {
      if (in == null) {
        return "unknown";
      }
      Properties properties = new Properties();
      properties.load(in);
      return properties.getProperty("version", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }
}
