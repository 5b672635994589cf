package dev.ferry.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.peers.Peer;
import dev.ferry.peers.Peers;
import dev.ferry.testing.CommandRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ferry certs}: the files it writes, what the certificates say, and its refusals. */
class CertsCommandTest {
  @TempDir Path dir;

  @Test
  void initMakesACaAndOneSignedCertificatePerNodeWithPrivateKeys() throws Exception {
    CommandRun run = CommandRun.of("certs", "init", "--nodes", "alpha,bravo,charlie", "--out", dir.toString());

    assertThat(run.code()).as(run.err()).isZero();
    X509Certificate ca = Pem.readCertificate(dir.resolve("ca.crt"));
    assertThat(ca.getBasicConstraints()).isGreaterThanOrEqualTo(0);
    for (String name : List.of("alpha", "bravo", "charlie")) {
      X509Certificate cert = Pem.readCertificate(dir.resolve(name + ".crt"));
      assertThat(Certificates.commonName(cert)).isEqualTo(name);
      assertThat(Certificates.signedBy(cert, ca)).isTrue();
      assertThat(cert.getPublicKey().getAlgorithm()).isEqualTo("EC");
      assertThat(cert.getExtendedKeyUsage()).contains("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
      assertThat(Pem.readKey(dir.resolve(name + ".key")).getAlgorithm()).isEqualTo("EC");
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(name + ".key"))))
          .isEqualTo("rw-------");
      // without peers.json every node is on this machine
      assertThat(sans(cert)).containsExactlyInAnyOrder("localhost", "127.0.0.1");
      assertThat(Duration.between(Instant.now(), cert.getNotAfter().toInstant()).toDays())
          .isBetween(729L, 730L);
    }
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("ca.key"))))
        .isEqualTo("rw-------");
  }

  @Test
  void namesInTheCertificateComeFromPeersJson() throws Exception {
    Path peers = dir.resolve("peers.json");
    Peers.of(List.of(
        Peer.builder().pid(1).name("alpha").hostname("alpha").domain("example.org").ipAddress("10.0.0.1").port(9096).build(),
        Peer.builder().pid(2).name("bravo").hostname("localhost").ipAddress("127.0.0.1").port(9097).build()))
        .dump(peers);
    Path out = dir.resolve("certs");

    CommandRun run = CommandRun.of("certs", "init", "--from-peers", peers.toString(), "--out", out.toString(), "--days", "30");

    assertThat(run.code()).as(run.err()).isZero();
    X509Certificate alpha = Pem.readCertificate(out.resolve("alpha.crt"));
    assertThat(sans(alpha)).containsExactlyInAnyOrder("alpha", "alpha.example.org", "10.0.0.1");
    assertThat(sans(Pem.readCertificate(out.resolve("bravo.crt")))).containsExactlyInAnyOrder("localhost", "127.0.0.1");
    assertThat(Duration.between(Instant.now(), alpha.getNotAfter().toInstant()).toDays()).isBetween(29L, 30L);
  }

  @Test
  void aNodeNotInPeersJsonIsRefusedByName() throws Exception {
    Path peers = dir.resolve("peers.json");
    Peers.of(List.of(Peer.builder().pid(1).name("alpha").ipAddress("127.0.0.1").port(9096).build())).dump(peers);

    CommandRun run = CommandRun.of("certs", "init", "--nodes", "alpha,zulu", "--from-peers", peers.toString(),
        "--out", dir.resolve("certs").toString());

    assertThat(run.code()).isEqualTo(1);
    assertThat(run.err()).contains("no node named 'zulu'").contains("known: alpha");
    assertThat(dir.resolve("certs")).doesNotExist();
  }

  @Test
  void addIssuesWithTheExistingCa() throws Exception {
    assertThat(CommandRun.of("certs", "init", "--nodes", "alpha", "--out", dir.toString()).code()).isZero();

    CommandRun run = CommandRun.of("certs", "add", "delta", "--dir", dir.toString());

    assertThat(run.code()).as(run.err()).isZero();
    X509Certificate delta = Pem.readCertificate(dir.resolve("delta.crt"));
    assertThat(Certificates.commonName(delta)).isEqualTo("delta");
    assertThat(Certificates.signedBy(delta, Pem.readCertificate(dir.resolve("ca.crt")))).isTrue();
  }

  @Test
  void existingFilesAreNotOverwrittenWithoutForce() throws Exception {
    assertThat(CommandRun.of("certs", "init", "--nodes", "alpha", "--out", dir.toString()).code()).isZero();
    String caBefore = Files.readString(dir.resolve("ca.crt"));
    String alphaBefore = Files.readString(dir.resolve("alpha.crt"));

    CommandRun again = CommandRun.of("certs", "init", "--nodes", "alpha", "--out", dir.toString());
    CommandRun add = CommandRun.of("certs", "add", "alpha", "--dir", dir.toString());

    assertThat(again.code()).isEqualTo(1);
    assertThat(again.err()).contains("would overwrite").contains("ca.crt").contains("--force");
    assertThat(add.code()).isEqualTo(1);
    assertThat(add.err()).contains("alpha.crt").contains("--force");
    assertThat(Files.readString(dir.resolve("ca.crt"))).isEqualTo(caBefore);
    assertThat(Files.readString(dir.resolve("alpha.crt"))).isEqualTo(alphaBefore);

    assertThat(CommandRun.of("certs", "add", "alpha", "--dir", dir.toString(), "--force").code()).isZero();
    assertThat(Files.readString(dir.resolve("alpha.crt"))).isNotEqualTo(alphaBefore);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("alpha.key"))))
        .isEqualTo("rw-------");
  }

  @Test
  void addWithoutAReadableCaKeySaysWhatIsMissing() throws Exception {
    assertThat(CommandRun.of("certs", "init", "--nodes", "alpha", "--out", dir.toString()).code()).isZero();
    Files.delete(dir.resolve("ca.key"));

    CommandRun missing = CommandRun.of("certs", "add", "delta", "--dir", dir.toString());
    Files.writeString(dir.resolve("ca.key"), "not a key\n");
    CommandRun garbage = CommandRun.of("certs", "add", "delta", "--dir", dir.toString());

    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.err()).contains("ca.key").contains("no such key file").contains("needs the CA key");
    assertThat(garbage.code()).isEqualTo(1);
    assertThat(garbage.err()).contains("ca.key").contains("not a PEM private key");
    assertThat(dir.resolve("delta.crt")).doesNotExist();
  }

  @Test
  void aCaKeyFromAnotherCaIsRefused() throws Exception {
    Path other = dir.resolve("other");
    assertThat(CommandRun.of("certs", "init", "--nodes", "alpha", "--out", dir.toString()).code()).isZero();
    assertThat(CommandRun.of("certs", "init", "--nodes", "alpha", "--out", other.toString()).code()).isZero();
    Files.copy(other.resolve("ca.key"), dir.resolve("ca.key"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);

    CommandRun run = CommandRun.of("certs", "add", "delta", "--dir", dir.toString());

    assertThat(run.code()).isEqualTo(1);
    assertThat(run.err()).contains("is not the key of").contains("ca.crt");
  }

  @Test
  void badNamesAndDaysAreRefused() {
    CommandRun badName = CommandRun.of("certs", "init", "--nodes", "al pha", "--out", dir.toString());
    CommandRun noNodes = CommandRun.of("certs", "init", "--out", dir.toString());
    CommandRun badDays = CommandRun.of("certs", "init", "--nodes", "alpha", "--days", "0", "--out", dir.toString());

    assertThat(badName.code()).isEqualTo(1);
    assertThat(badName.err()).contains("'al pha' cannot name a node");
    assertThat(noNodes.code()).isEqualTo(1);
    assertThat(noNodes.err()).contains("--nodes");
    assertThat(badDays.code()).isEqualTo(2);
    assertThat(badDays.err()).contains("--days");
  }

  @Test
  void showSaysWhoACertificateIsForAndWhenItExpires() {
    assertThat(CommandRun.of("certs", "init", "--nodes", "alpha,bravo", "--out", dir.toString()).code()).isZero();

    CommandRun one = CommandRun.of("certs", "show", "alpha", "--dir", dir.toString());
    CommandRun all = CommandRun.of("certs", "show", "--dir", dir.toString());
    CommandRun missing = CommandRun.of("certs", "show", "zulu", "--dir", dir.toString());

    assertThat(one.code()).as(one.err()).isZero();
    assertThat(one.out()).contains("alpha.crt: alpha").contains("DNS:localhost", "IP:127.0.0.1")
        .contains("issuer:    ferry cluster CA").containsPattern("expires in 7(29|30) days")
        .contains("signed by " + dir.resolve("ca.crt") + ": yes");
    assertThat(all.out()).contains("alpha.crt: alpha", "bravo.crt: bravo", "ca.crt: ferry cluster CA");
    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.err()).contains("zulu.crt: no such certificate file");
  }

  private static List<String> sans(X509Certificate cert) throws Exception {
    return cert.getSubjectAlternativeNames().stream().map(n -> String.valueOf(n.get(1))).toList();
  }
}
