package dev.ferry.security;

import dev.ferry.core.ConfigException;
import dev.ferry.core.ConfigSection;
import dev.ferry.core.KeyPairs;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.util.Optional;

/**
 * HTTPS for the HTTP API and the IPFS proxy, from {@code api.tls.cert} and {@code api.tls.key}
 * (PEM paths; {@code {name}} is the node's name, so the node's certificate from {@code ferry certs}
 * serves, or any other whose key is given). Unset, both servers speak plain HTTP, as before. The
 * files are read and checked once, on a worker, when a server starts: a missing or unreadable
 * file, an expired certificate or a key that is not the certificate's fails the start with a
 * message naming the setting. Immutable once loaded.
 */
public final class ApiTls {
  private static final String NAME_PLACEHOLDER = "{name}";

  private final Buffer cert;
  private final Buffer key;

  private ApiTls(Buffer cert, Buffer key) {
    this.cert = cert;
    this.key = key;
  }

  /** Reads {@code api.tls} (the {@code api} section given); empty when neither file is set. */
  public static Future<Optional<ApiTls>> load(Vertx vertx, ConfigSection api, String nodeName) {
    Optional<String> certSetting;
    Optional<String> keySetting;
    try {
      ConfigSection tls = api.section("tls");
      certSetting = tls.optionalString("cert");
      keySetting = tls.optionalString("key");
      if (certSetting.isPresent() != keySetting.isPresent()) {
        throw api.invalid("tls", "set api.tls.cert and api.tls.key together (PEM files, e.g. from 'ferry certs "
            + "init'), or neither for plain HTTP");
      }
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    if (certSetting.isEmpty()) {
      return Future.succeededFuture(Optional.empty());
    }
    Path certFile = Path.of(certSetting.get().replace(NAME_PLACEHOLDER, nodeName));
    Path keyFile = Path.of(keySetting.get().replace(NAME_PLACEHOLDER, nodeName));
    return vertx.executeBlocking(() -> Optional.of(read(certFile, keyFile)), false);
  }

  /** HTTPS on {@code options}, with this certificate and key. */
  public HttpServerOptions apply(HttpServerOptions options) {
    return options.setSsl(true).setKeyCertOptions(new PemKeyCertOptions().setCertValue(cert).setKeyValue(key));
  }

  private static ApiTls read(Path certFile, Path keyFile) throws IOException {
    X509Certificate certificate;
    PrivateKey privateKey;
    try {
      certificate = Pem.readCertificate(certFile);
    } catch (CertsException e) {
      throw new ConfigException("api.tls.cert: " + e.getMessage(), e);
    }
    try {
      privateKey = Pem.readKey(keyFile);
    } catch (CertsException e) {
      throw new ConfigException("api.tls.key: " + e.getMessage(), e);
    }
    try {
      certificate.checkValidity();
    } catch (CertificateExpiredException e) {
      throw new ConfigException("api.tls.cert: " + certFile + " expired on " + certificate.getNotAfter().toInstant()
          + ": issue a new one (ferry certs add NAME --force)");
    } catch (CertificateNotYetValidException e) {
      throw new ConfigException("api.tls.cert: " + certFile + " is valid only from "
          + certificate.getNotBefore().toInstant() + ": check this machine's clock");
    }
    String algorithm = privateKey.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
    if (!KeyPairs.matches(privateKey, certificate.getPublicKey(), algorithm)) {
      throw new ConfigException("api.tls.key: " + keyFile + " is not the key of " + certFile
          + ": use the NAME.key written with NAME.crt");
    }
    return new ApiTls(Buffer.buffer(Files.readAllBytes(certFile)), Buffer.buffer(Files.readAllBytes(keyFile)));
  }
}
