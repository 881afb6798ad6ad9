package dev.hellostack.cfn.stacks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.hellostack.cfn.resolve.ResolveException;
import dev.hellostack.cfn.resolve.Resolver;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The service template's Rules, evaluated the way CloudFormation evaluates them before it changes
 * anything (cfn-gen's {@link Resolver}), over every value the parameters allow.
 */
class ServiceRulesTest {

    private static final Map<String, Object> TEMPLATE = new ServiceStack().template().toCfn();
    private static final Resolver RESOLVER = new Resolver(null);

    private static boolean accepted(Map<String, String> values) {
        Map<String, String> all = new java.util.HashMap<>(values);
        all.put("ImageTag", "abc");
        try {
            RESOLVER.resolve("service.yaml", TEMPLATE, all);
            return true;
        } catch (ResolveException e) {
            if (!e.getMessage().contains("rule ")) {
                throw e;
            }
            return false;
        }
    }

    @Test
    void everyCpuAndMemoryPairIsAcceptedExactlyWhenFargateRunsIt() {
        int accepted = 0;
        for (String cpu : ServiceStack.FARGATE_PAIRS.keySet()) {
            for (String memory : ServiceStack.FARGATE_MEMORY) {
                boolean valid = switch (cpu) {
                    case "256" -> memory.equals("512") || memory.equals("1024") || memory.equals("2048");
                    case "512" -> Integer.parseInt(memory) >= 1024 && Integer.parseInt(memory) <= 4096;
                    case "1024" -> Integer.parseInt(memory) >= 2048 && Integer.parseInt(memory) <= 8192;
                    case "2048" -> Integer.parseInt(memory) >= 4096 && Integer.parseInt(memory) <= 16384;
                    default -> Integer.parseInt(memory) >= 8192 && Integer.parseInt(memory) <= 30720;
                };
                assertEquals(valid, accepted(Map.of("Cpu", cpu, "Memory", memory)), cpu + "/" + memory);
                accepted += valid ? 1 : 0;
            }
        }
        assertEquals(3 + 4 + 7 + 13 + 23, accepted);
    }

    @Test
    void minCapacityAboveMaxCapacityIsRefused() {
        for (int min = 1; min <= ServiceStack.MAX_MIN_CAPACITY; min++) {
            for (int max = 1; max <= 100; max++) {
                assertEquals(min <= max, accepted(Map.of("MinCapacity", String.valueOf(min), "MaxCapacity", String.valueOf(max))),
                        min + " > " + max);
            }
        }
    }

    @Test
    void theRuleSaysWhatIsWrong() {
        ResolveException e = org.junit.jupiter.api.Assertions.assertThrows(ResolveException.class,
                () -> RESOLVER.resolve("service.yaml", TEMPLATE, Map.of("ImageTag", "abc", "Cpu", "4096", "Memory", "512")));
        assertEquals(true, e.getMessage().startsWith("service.yaml: rule FargateCpuAndMemory fails: Memory must be a size Fargate"),
                e.getMessage());
    }
}
