package dev.hellostack.cfn.stacks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hellostack.cfn.generate.Generator;
import dev.hellostack.cfn.model.TemplateException;
import dev.hellostack.cfn.stacks.Environment.LoadBalancer;
import dev.hellostack.cfn.stacks.Environment.Network;
import dev.hellostack.cfn.stacks.Environment.Pipeline;
import dev.hellostack.cfn.stacks.Environment.Service;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The generator refuses, naming the environment and the field, what AWS would only refuse half-way through a deploy. */
class EnvironmentTest {

    private static final Network NETWORK = new Network("10.0.0.0/16", 2, List.of(), true, 30, false);
    private static final LoadBalancer ALB = new LoadBalancer(false, "0.0.0.0/0", false, false, 30);
    private static final Service SERVICE = new Service(256, 512, false, 1, 2, 1000, 60, "INFO", true, true, 2, false);
    private static final Pipeline PIPELINE = new Pipeline(false, true, true);

    private static List<String> problems(String app, String name, Network n, LoadBalancer a, Service s) {
        return new Environment(app, name, "test", n, a, s, PIPELINE).problems();
    }

    @Test
    void theDefinedEnvironmentsHaveNoProblems() {
        for (Environment env : Environments.all()) {
            assertEquals(List.of(), env.problems(), env.name());
        }
    }

    @Test
    void namesAreShortLowerCaseAndWithoutHyphens() {
        assertEquals(List.of("environment 'qa': app 'my-app' must be 1 to 16 lower-case letters and digits, starting with a letter"),
                problems("my-app", "qa", NETWORK, ALB, SERVICE));
        assertEquals(1, problems("hello", "staging1234", NETWORK, ALB, SERVICE).size(), "11 characters");
        assertEquals(1, problems("averyveryverylongname", "qa", NETWORK, ALB, SERVICE).size(), "21 characters");
    }

    @Test
    void fargateSizesMustGoTogether() {
        assertEquals(List.of("environment 'qa': service.memory 4096 MiB does not go with cpu 256; Fargate allows [512, 1024, 2048]"),
                problems("hello", "qa", NETWORK, ALB, new Service(256, 4096, false, 1, 2, 1000, 60, "INFO", true, true, 2, false)));
        assertEquals(List.of("environment 'qa': service.cpu 300; allowed: [256, 512, 1024, 2048, 4096]"),
                problems("hello", "qa", NETWORK, ALB, new Service(300, 512, false, 1, 2, 1000, 60, "INFO", true, true, 2, false)));
    }

    @Test
    void capacityRetentionBakeTimeAndNetworkAreChecked() {
        assertTrue(problems("hello", "qa", NETWORK, ALB, new Service(256, 512, false, 3, 2, 1000, 60, "INFO", true, true, 2, false))
                .get(0).contains("1 <= minCapacity <= maxCapacity <= 100"));
        assertTrue(problems("hello", "qa", NETWORK, ALB, new Service(256, 512, false, 1, 2, 1000, 60, "INFO", true, true, 31, false))
                .get(0).contains("service.bakeTimeMinutes 31 must be 0 to 30"));
        assertTrue(problems("hello", "qa", new Network("10.0.0.0/16", 2, List.of(), true, 31, false), ALB, SERVICE)
                .get(0).contains("network.logRetentionDays 31 is not one CloudWatch Logs allows"));
        assertTrue(problems("hello", "qa", new Network("10.0.0.0/24", 2, List.of(), true, 30, false), ALB, SERVICE)
                .get(0).contains("must be an IPv4 block from /16 to /21"));
        assertTrue(problems("hello", "qa", new Network("10.0.0.0/16", 3, List.of("use1-az1"), true, 30, false), ALB, SERVICE)
                .get(0).contains("network.zoneIds lists 1 zones for 3 zones"));
        assertTrue(problems("hello", "qa", NETWORK, ALB, new Service(256, 512, false, 1, 2, 1000, 60, "TRACE", true, true, 2, false))
                .get(0).contains("service.logLevel 'TRACE'; allowed: ERROR, WARN, INFO, DEBUG"));
    }

    @Test
    void theGeneratorRefusesAnEnvironmentWithProblemsAndNeedsExactlyOneThatBuildsTheImages() {
        Environment bad = new Environment("hello", "qa", "test", NETWORK, ALB,
                new Service(256, 4096, false, 1, 2, 1000, 60, "INFO", true, true, 2, false), PIPELINE);
        TemplateException e = assertThrows(TemplateException.class, () -> Generator.render(Stacks.all(), List.of(bad)));
        assertTrue(e.getMessage().startsWith("environment 'qa': service.memory 4096"), e.getMessage());
        Environment promoted = new Environment("hello", "qa", "test", NETWORK, ALB, SERVICE, new Pipeline(false, true, false));
        assertThrows(TemplateException.class, () -> Generator.render(Stacks.all(), List.of(promoted)));
    }

    @Test
    void subnetsAreCutFromTheVpcAtGenerationTime() {
        assertEquals(List.of("10.0.0.0/22", "10.0.4.0/22"), Cidrs.subnets("10.0.0.0/16", 2, 22));
        assertEquals(List.of("10.0.4.0/24", "10.0.5.0/24", "10.0.6.0/24"), Cidrs.subnets("10.0.4.0/22", 3, 24));
        assertEquals(-1, Cidrs.prefixLength("10.0.0.1/16"), "host bits set");
        assertEquals(-1, Cidrs.prefixLength("10.0.0.256/24"));
        assertThrows(IllegalArgumentException.class, () -> Cidrs.subnets("10.0.0.0/22", 5, 24));
    }
}
