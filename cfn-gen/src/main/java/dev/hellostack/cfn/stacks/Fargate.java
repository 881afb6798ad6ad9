package dev.hellostack.cfn.stacks;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The task sizes Fargate accepts (ECS developer guide, "Amazon ECS task definition parameters for Fargate",
 * Task size): CPU units to the memory sizes in MiB that go with them. 256: 512, 1024, 2048; 512: 1024 to
 * 4096; 1024: 2048 to 8192; 2048: 4096 to 16384; 4096: 8192 to 30720, in 1024 steps.
 */
final class Fargate {

    static final Map<Integer, List<Integer>> MEMORY = memory();

    private Fargate() {
    }

    private static Map<Integer, List<Integer>> memory() {
        Map<Integer, List<Integer>> sizes = new LinkedHashMap<>();
        sizes.put(256, List.of(512, 1024, 2048));
        int[][] ranges = {{512, 1024, 4096}, {1024, 2048, 8192}, {2048, 4096, 16384}, {4096, 8192, 30720}};
        for (int[] r : ranges) {
            List<Integer> list = new ArrayList<>();
            for (int mib = r[1]; mib <= r[2]; mib += 1024) {
                list.add(mib);
            }
            sizes.put(r[0], List.copyOf(list));
        }
        return Collections.unmodifiableMap(sizes);
    }

    /** "512, 1024, 2048" or "1024 to 4096 in 1024 steps", for error messages. */
    static String describe(int cpu) {
        List<Integer> sizes = MEMORY.get(cpu);
        return sizes.size() <= 3 ? sizes.toString() : sizes.get(0) + " to " + sizes.get(sizes.size() - 1) + " MiB in 1024 steps";
    }
}
