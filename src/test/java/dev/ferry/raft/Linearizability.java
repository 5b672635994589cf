package dev.ferry.raft;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * A linearizability checker for histories of a key-value store whose keys are independent
 * registers: the history is split per key (P-compositionality), and each key's history is checked
 * with the Wing–Gong search as improved by Lowe (a cache of linearized-set × state pairs).
 *
 * <p>An op whose outcome is unknown (its call timed out) has no return: it may take effect at any
 * point after its call, or never; its result is not checked. Ops that surely failed are left out.
 */
final class Linearizability {
  /** Bounds the search; a history this hard says more about the test than about the store. */
  private static final long MAX_STEPS = 50_000_000L;

  enum Kind { PUT, GET, DELETE, CAS }

  /**
   * One completed (or outcome-unknown) call on one key.
   *
   * @param value PUT's and CAS's new value, or GET's answer
   * @param expect CAS's expected value
   * @param previous PUT's and DELETE's answer (the value before), if checked
   * @param ok CAS's answer, or DELETE's "deleted"; null if not checked
   * @param returned nanoTime of the answer, or {@link Long#MAX_VALUE} if the outcome is unknown
   */
  record Op(int client, String key, Kind kind, String value, String expect, String previous, Boolean ok,
      long called, long returned) {
    boolean unknown() {
      return returned == Long.MAX_VALUE;
    }

    @Override
    public String toString() {
      return "c" + client + " " + kind + "(" + key + (expect != null ? ", expect " + expect : "")
          + (kind != Kind.GET && value != null ? ", " + value : "") + ")"
          + (unknown() ? " → ?" : " → " + (kind == Kind.GET ? value : ok != null ? ok : previous))
          + " [" + called + ", " + (unknown() ? "∞" : returned) + "]";
    }
  }

  /** The result of a check: null when linearizable, else a description of the key that is not. */
  static String check(List<Op> history) {
    Map<String, List<Op>> byKey = new TreeMap<>();
    for (Op op : history) {
      byKey.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
    }
    for (Map.Entry<String, List<Op>> e : byKey.entrySet()) {
      if (!checkKey(e.getValue())) {
        StringBuilder text = new StringBuilder("key " + e.getKey() + " is not linearizable; its history:\n");
        e.getValue().stream().sorted(Comparator.comparingLong(Op::called))
            .forEach(op -> text.append("  ").append(op).append('\n'));
        return text.toString();
      }
    }
    return null;
  }

  /** One call or return in the time-ordered doubly linked list of the search. */
  private static final class Event {
    final int op;
    final boolean call;
    final long time;
    Event match;
    Event prev;
    Event next;

    Event(int op, boolean call, long time) {
      this.op = op;
      this.call = call;
      this.time = time;
    }
  }

  private record Seen(BitSet linearized, String state) {}

  private record Frame(Event call, String state) {}

  static boolean checkKey(List<Op> ops) {
    Event head = events(ops);
    Set<Seen> cache = new HashSet<>();
    List<Frame> stack = new ArrayList<>();
    BitSet linearized = new BitSet(ops.size());
    String state = null;
    Event entry = head.next;
    for (long steps = 0; head.next != null; steps++) {
      if (steps > MAX_STEPS) {
        throw new IllegalStateException("the linearizability search gave up after " + MAX_STEPS + " steps");
      }
      if (entry.call) {
        Op op = ops.get(entry.op);
        String next = step(op, state);
        if (next != null) {
          BitSet with = (BitSet) linearized.clone();
          with.set(entry.op);
          String after = next == ABSENT ? null : next;
          if (cache.add(new Seen(with, after))) {
            stack.add(new Frame(entry, state));
            state = after;
            linearized.set(entry.op);
            lift(entry);
            entry = head.next;
            continue;
          }
        }
        entry = entry.next;
      } else {
        if (ops.get(entry.op).unknown()) {
          return true; // only outcome-unknown ops are left: they may all take effect last, or never
        }
        if (stack.isEmpty()) {
          return false;
        }
        Frame top = stack.remove(stack.size() - 1);
        state = top.state();
        linearized.clear(top.call().op);
        unlift(top.call());
        entry = top.call().next;
      }
    }
    return true;
  }

  /** Marks "the key is absent" as a successful step's result, distinct from a failed step (null). */
  private static final String ABSENT = new String("<absent>");

  /** The state after {@code op} applies to {@code state}, {@link #ABSENT} for none, or null if it cannot apply. */
  private static String step(Op op, String state) {
    switch (op.kind()) {
      case PUT:
        return op.unknown() || op.previous() == NOT_CHECKED || Objects.equals(op.previous(), state)
            ? op.value() : null;
      case DELETE:
        if (!op.unknown() && op.ok() != null && op.ok() != (state != null)) {
          return null;
        }
        return ABSENT;
      case GET:
        return Objects.equals(op.value(), state) ? orAbsent(state) : null;
      case CAS:
        boolean matches = Objects.equals(op.expect(), state);
        if (!op.unknown() && op.ok() != matches) {
          return null;
        }
        return matches ? orAbsent(op.value()) : orAbsent(state);
      default:
        throw new IllegalArgumentException(op.kind().name());
    }
  }

  /** A PUT whose previous value was not recorded. */
  static final String NOT_CHECKED = new String("<not checked>");

  private static String orAbsent(String value) {
    return value == null ? ABSENT : value;
  }

  private static Event events(List<Op> ops) {
    List<Event> all = new ArrayList<>();
    for (int i = 0; i < ops.size(); i++) {
      Event call = new Event(i, true, ops.get(i).called());
      Event ret = new Event(i, false, ops.get(i).returned());
      call.match = ret;
      ret.match = call;
      all.add(call);
      all.add(ret);
    }
    // by time; at the same instant a return comes first (the ops do not overlap)
    all.sort(Comparator.comparingLong((Event e) -> e.time).thenComparing(e -> e.call));
    Event head = new Event(-1, false, Long.MIN_VALUE);
    Event last = head;
    for (Event e : all) {
      last.next = e;
      e.prev = last;
      last = e;
    }
    return head;
  }

  private static void lift(Event call) {
    call.prev.next = call.next;
    call.next.prev = call.prev;
    Event ret = call.match;
    ret.prev.next = ret.next;
    if (ret.next != null) {
      ret.next.prev = ret.prev;
    }
  }

  private static void unlift(Event call) {
    Event ret = call.match;
    ret.prev.next = ret;
    if (ret.next != null) {
      ret.next.prev = ret;
    }
    call.prev.next = call;
    call.next.prev = call;
  }

  private Linearizability() {}
}
