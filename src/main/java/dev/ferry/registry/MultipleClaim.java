package dev.ferry.registry;

import dev.ferry.mailbox.Address;
import java.util.List;

/**
 * What each claimant of a name receives when the name has claimants on more than one mailbox —
 * also when the conflict appears only as a partition heals.
 *
 * @param claimants every claimant, oldest claim first
 */
public record MultipleClaim(String name, List<Address> claimants) {}
