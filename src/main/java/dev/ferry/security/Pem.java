package dev.ferry.security;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;

/**
 * PEM files of certificates and keys: keys are written PKCS#8 ({@code PRIVATE KEY}, what Vert.x's
 * {@code PemKeyCertOptions} reads) with mode 0600 from the moment they exist, certificates 0644.
 * Every failure names the file. Stateless.
 */
final class Pem {
  private static final String KEY_MODE = "rw-------";
  private static final String CERT_MODE = "rw-r--r--";

  private Pem() {}

  static X509Certificate readCertificate(Path file) {
    byte[] bytes = read(file, "certificate", Files::readAllBytes);
    try {
      return (X509Certificate) CertificateFactory.getInstance("X.509")
          .generateCertificate(new ByteArrayInputStream(bytes));
    } catch (CertificateException e) {
      throw new CertsException(file + ": not a PEM certificate (" + e.getMessage() + ")", e);
    }
  }

  static PrivateKey readKey(Path file) {
    String text = read(file, "key", Files::readString);
    try (PEMParser parser = new PEMParser(new StringReader(text))) {
      Object object = parser.readObject();
      var converter = new JcaPEMKeyConverter();
      if (object instanceof PrivateKeyInfo info) {
        return converter.getPrivateKey(info);
      }
      if (object instanceof PEMKeyPair pair) {
        return converter.getPrivateKey(pair.getPrivateKeyInfo());
      }
      throw new CertsException(file + ": not a PEM private key (expected BEGIN PRIVATE KEY)");
    } catch (IOException e) {
      throw new CertsException(file + ": not a readable PEM private key (" + e.getMessage() + ")", e);
    }
  }

  /** How a file is read: {@link Files#readAllBytes}, {@link Files#readString}. */
  @FunctionalInterface
  private interface Reading<T> {
    T read(Path file) throws IOException;
  }

  /** {@code file}, a {@code what} (certificate, key), as {@code reading} reads it; a failure names both. */
  private static <T> T read(Path file, String what, Reading<T> reading) {
    try {
      return reading.read(file);
    } catch (NoSuchFileException e) {
      throw new CertsException(file + ": no such " + what + " file");
    } catch (AccessDeniedException e) {
      throw new CertsException(file + ": cannot read the " + what + ": permission denied");
    } catch (IOException e) {
      throw new CertsException(file + ": cannot read the " + what + ": " + e.getMessage(), e);
    }
  }

  static String encode(X509Certificate certificate) {
    return write(certificate);
  }

  static String encode(PrivateKey key) {
    try {
      return write(new JcaPKCS8Generator(key, null).generate());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void writeCertificate(Path file, String pem, boolean replace) {
    writeFile(file, pem, CERT_MODE, replace);
  }

  static void writeKey(Path file, String pem, boolean replace) {
    writeFile(file, pem, KEY_MODE, replace);
  }

  /** Creates the file with its mode already set, so a key is never readable by others, not even briefly. */
  private static void writeFile(Path file, String text, String mode, boolean replace) {
    try {
      if (replace) {
        Files.deleteIfExists(file);
      }
      Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(mode)));
      Files.writeString(file, text, StandardOpenOption.TRUNCATE_EXISTING);
    } catch (FileAlreadyExistsException e) {
      throw new CertsException(file + ": exists already; pass --force to replace it");
    } catch (IOException e) {
      throw new CertsException(file + ": cannot write: " + e.getMessage(), e);
    }
  }

  private static String write(Object object) {
    StringWriter text = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
      writer.writeObject(object);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return text.toString();
  }
}
