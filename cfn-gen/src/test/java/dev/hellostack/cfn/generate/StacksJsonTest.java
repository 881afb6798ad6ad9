package dev.hellostack.cfn.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hellostack.cfn.stacks.Stacks;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The shape the pipeline's scripts read: keep it stable. */
class StacksJsonTest {

    private final JsonNode stacks = read();

    private static JsonNode read() {
        try {
            return new ObjectMapper().readTree(StacksJson.render(Stacks.all())).path("stacks");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private JsonNode stack(String name) {
        for (JsonNode s : stacks) {
            if (s.path("name").asText().equals(name)) {
                return s;
            }
        }
        throw new AssertionError("no stack " + name);
    }

    @Test
    void listsTheStacksInDeployOrderWithAFixedSetOfKeys() {
        List<String> names = new ArrayList<>();
        for (JsonNode s : stacks) {
            names.add(s.path("name").asText());
            List<String> keys = new ArrayList<>();
            s.fieldNames().forEachRemaining(keys::add);
            assertEquals(List.of("name", "template", "stackName", "deployedBy", "capabilities", "parameters", "exports",
                    "imports"), keys);
            assertEquals("templates/" + s.path("name").asText() + ".yaml", s.path("template").asText());
        }
        assertEquals(List.of("gitlab-oidc", "ecr", "network", "alb", "service"), names);
    }

    @Test
    void saysWhoDeploysEachStackAndWithWhichCapabilities() {
        assertEquals("administrator", stack("gitlab-oidc").path("deployedBy").asText());
        assertEquals("gitlab-oidc-${AppName}-${EnvName}", stack("gitlab-oidc").path("stackName").asText());
        assertEquals("pipeline", stack("service").path("deployedBy").asText());
        assertEquals("${AppName}-${EnvName}-service", stack("service").path("stackName").asText());
        // Named workload roles: CAPABILITY_NAMED_IAM; gitlab-oidc's roles have generated names.
        assertEquals("[\"CAPABILITY_NAMED_IAM\"]", stack("service").path("capabilities").toString());
        assertEquals("[\"CAPABILITY_NAMED_IAM\"]", stack("network").path("capabilities").toString());
        assertEquals("[\"CAPABILITY_IAM\"]", stack("gitlab-oidc").path("capabilities").toString());
        assertEquals("[]", stack("ecr").path("capabilities").toString());
    }

    @Test
    void parametersHaveStringDefaultsOrNone() {
        for (JsonNode p : stack("service").path("parameters")) {
            List<String> keys = new ArrayList<>();
            p.fieldNames().forEachRemaining(keys::add);
            if (p.path("name").asText().equals("ImageTag")) {
                assertEquals(List.of("name", "type", "description"), keys, "a required parameter has no default");
            } else {
                assertEquals(List.of("name", "type", "default", "description"), keys);
                assertTrue(p.path("default").isTextual(), p.toString());
            }
        }
    }

    @Test
    void exportsAndImportsAreNamePatterns() {
        assertTrue(stack("ecr").path("exports").toString().contains("\"${AppName}-${EnvName}-RepositoryUri\""));
        assertTrue(stack("service").path("imports").toString().contains("\"${AppName}-${EnvName}-RepositoryUri\""));
        assertFalse(stack("service").path("exports").elements().hasNext());
    }

    /** Every value an environment gives must be a parameter its stack declares, and prod leaves the certificate to deploy time. */
    @Test
    void environmentsNameOnlyDeclaredParametersAndProdNeedsACertificate() throws Exception {
        JsonNode envs = new ObjectMapper().readTree(StacksJson.render(Stacks.all())).path("environments");
        assertEquals("dev", envs.get(0).path("name").asText());
        assertEquals("prod", envs.get(1).path("name").asText());
        assertFalse(envs.get(0).path("terminationProtection").asBoolean(true));
        assertTrue(envs.get(1).path("terminationProtection").asBoolean(false));
        assertEquals("[\"CertificateArn\"]", envs.get(1).path("required").path("alb").toString());
        assertEquals("true", envs.get(1).path("parameters").path("alb").path("DeletionProtection").asText());
        for (JsonNode env : envs) {
            env.path("parameters").properties().forEach(byStack -> byStack.getValue().properties().forEach(entry -> { String p = entry.getKey();
                boolean declared = false;
                for (JsonNode param : stack(byStack.getKey()).path("parameters")) {
                    declared |= param.path("name").asText().equals(p);
                }
                assertTrue(declared, env.path("name").asText() + " sets " + byStack.getKey() + "." + p + ", which is not declared");
            }));
        }
    }
}
