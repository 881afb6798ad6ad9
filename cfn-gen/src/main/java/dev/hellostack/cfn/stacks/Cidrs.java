package dev.hellostack.cfn.stacks;

import java.util.ArrayList;
import java.util.List;

/** IPv4 CIDR arithmetic for the address plan, done at generation time (CloudFormation's Fn::Cidr is then not needed). */
final class Cidrs {

    private Cidrs() {
    }

    /** The prefix length of an IPv4 CIDR block, or -1 when the text is not one (or has host bits set). */
    static int prefixLength(String cidr) {
        String[] parts = cidr.split("/", -1);
        if (parts.length != 2 || !parts[1].matches("[0-9]{1,2}")) {
            return -1;
        }
        int prefix = Integer.parseInt(parts[1]);
        long address = address(parts[0]);
        if (prefix > 32 || address < 0) {
            return -1;
        }
        long hostMask = (1L << (32 - prefix)) - 1;
        return (address & hostMask) == 0 ? prefix : -1;
    }

    /**
     * The first {@code count} blocks of prefix length {@code newPrefix} inside {@code cidr}, in address
     * order: what {@code Fn::Cidr [cidr, count, 32 - newPrefix]} returns.
     */
    static List<String> subnets(String cidr, int count, int newPrefix) {
        int prefix = prefixLength(cidr);
        if (prefix < 0 || newPrefix < prefix || newPrefix > 32 || count > (1L << (newPrefix - prefix))) {
            throw new IllegalArgumentException("cannot cut " + count + " /" + newPrefix + " blocks out of " + cidr);
        }
        long base = address(cidr.substring(0, cidr.indexOf('/')));
        long size = 1L << (32 - newPrefix);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(text(base + i * size) + "/" + newPrefix);
        }
        return out;
    }

    private static long address(String dotted) {
        String[] octets = dotted.split("\\.", -1);
        if (octets.length != 4) {
            return -1;
        }
        long value = 0;
        for (String o : octets) {
            if (!o.matches("[0-9]{1,3}") || Integer.parseInt(o) > 255) {
                return -1;
            }
            value = value * 256 + Integer.parseInt(o);
        }
        return value;
    }

    private static String text(long address) {
        return (address >> 24 & 255) + "." + (address >> 16 & 255) + "." + (address >> 8 & 255) + "." + (address & 255);
    }
}
