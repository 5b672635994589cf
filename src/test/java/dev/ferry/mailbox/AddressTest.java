package dev.ferry.mailbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.core.FerryException;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class AddressTest {
  @Test
  void stringJsonAndBinaryFormsRoundTrip() {
    Address a = Address.parse("ferry.mbx.node-1.mwr9abc.42");
    assertThat(a.node()).isEqualTo("node-1");
    assertThat(a.incarnation()).isEqualTo("mwr9abc");
    assertThat(a.n()).isEqualTo(42);
    assertThat(a.toString()).isEqualTo("ferry.mbx.node-1.mwr9abc.42");
    assertThat(Address.fromJson(a.toJson())).isEqualTo(a);
    assertThat(a.toJson()).isEqualTo(new JsonObject().put("node", "node-1").put("incarnation", "mwr9abc").put("n", 42L));
    assertThat(Address.fromBuffer(a.toBuffer())).isEqualTo(a).hasSameHashCodeAs(a);
  }

  @Test
  void malformedAddressesSayWhatAnAddressLooksLike() {
    for (String bad : new String[] {"", "ferry.mbx.a.b", "ferry.mbx.a.b.c", "ferry.mbx.a.b.1.2", "ferry.raft.kv",
        "ferry.mbx.a.B.1", "ferry.mbx.a b.x.1"}) {
      assertThatThrownBy(() -> Address.parse(bad)).isInstanceOf(FerryException.class)
          .hasMessageContaining("not a mailbox address")
          .hasMessageContaining("ferry.mbx.<node>.<incarnation>.<n>");
    }
    assertThatThrownBy(() -> Address.parse(null)).isInstanceOf(FerryException.class);
    assertThatThrownBy(() -> Address.fromJson(new JsonObject().put("node", "a"))).hasMessageContaining("not a mailbox");
  }

  @Test
  void anUnboundAddressCannotSendAndSaysHowToBindIt() {
    Address a = Address.parse("ferry.mbx.n.abc.1");
    assertThatThrownBy(() -> a.send("x")).isInstanceOf(FerryException.class).hasMessageContaining("Mailboxes.address");
  }
}
