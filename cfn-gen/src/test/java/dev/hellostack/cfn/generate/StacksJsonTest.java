package dev.hellostack.cfn.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hellostack.cfn.stacks.Environments;
import dev.hellostack.cfn.stacks.Stacks;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The shape the pipeline's scripts and the bootstrap read: keep it stable. */
class StacksJsonTest {

    private final JsonNode json = read();

    private static JsonNode read() {
        try {
            return new ObjectMapper().readTree(StacksJson.render(Stacks.all(), Environments.all()));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private JsonNode stack(String env, String name) {
        for (JsonNode e : json.path("environments")) {
            if (e.path("name").asText().equals(env)) {
                for (JsonNode s : e.path("stacks")) {
                    if (s.path("name").asText().equals(name)) {
                        return s;
                    }
                }
            }
        }
        throw new AssertionError("no stack " + name + " in " + env);
    }

    private static List<String> keys(JsonNode node) {
        List<String> keys = new ArrayList<>();
        node.fieldNames().forEachRemaining(keys::add);
        return keys;
    }

    @Test
    void listsEachEnvironmentsStacksInDeployOrderWithAFixedSetOfKeys() {
        assertEquals(List.of("app", "serviceLinkedRoles", "environments"), keys(json));
        assertEquals("hello", json.path("app").asText());
        List<String> envs = new ArrayList<>();
        for (JsonNode env : json.path("environments")) {
            envs.add(env.path("name").asText());
            assertEquals(List.of("name", "summary", "terminationProtection", "pushesImages", "stacks"), keys(env));
            List<String> names = new ArrayList<>();
            for (JsonNode s : env.path("stacks")) {
                names.add(s.path("name").asText());
                assertEquals(List.of("name", "stackName", "template", "deployedBy", "perEnvironment", "capabilities",
                        "parameters", "exports", "imports"), keys(s));
            }
            assertEquals(List.of("ecr", "gitlab-oidc", "network", "alb", "service"), names);
        }
        assertEquals(List.of("dev", "prod"), envs);
    }

    @Test
    void namesEachEnvironmentsStacksAndTemplates() {
        assertEquals("hello-ecr", stack("prod", "ecr").path("stackName").asText());
        assertEquals("templates/ecr.yaml", stack("prod", "ecr").path("template").asText());
        assertEquals("templates/ecr.yaml", stack("dev", "ecr").path("template").asText());
        assertEquals("gitlab-oidc-hello-dev", stack("dev", "gitlab-oidc").path("stackName").asText());
        assertEquals("administrator", stack("dev", "gitlab-oidc").path("deployedBy").asText());
        assertEquals("hello-prod-service", stack("prod", "service").path("stackName").asText());
        assertEquals("templates/prod/service.yaml", stack("prod", "service").path("template").asText());
        assertEquals("pipeline", stack("prod", "service").path("deployedBy").asText());
        // Named workload roles: CAPABILITY_NAMED_IAM; gitlab-oidc's roles have generated names.
        assertEquals("[\"CAPABILITY_NAMED_IAM\"]", stack("dev", "service").path("capabilities").toString());
        assertEquals("[\"CAPABILITY_IAM\"]", stack("dev", "gitlab-oidc").path("capabilities").toString());
        assertEquals("[]", stack("dev", "ecr").path("capabilities").toString());
    }

    @Test
    void onlyDeployTimeValuesAreParametersAndThoseWithoutADefaultAreRequired() {
        List<String> service = new ArrayList<>();
        for (JsonNode p : stack("prod", "service").path("parameters")) {
            service.add(p.path("name").asText() + (p.path("required").asBoolean() ? " required" : ""));
            assertEquals(p.path("required").asBoolean(), !p.has("default"), p.toString());
        }
        assertEquals(List.of("ImageTag required", "AlarmTopicArn required"), service);
        List<String> devAlb = new ArrayList<>();
        for (JsonNode p : stack("dev", "alb").path("parameters")) {
            devAlb.add(p.path("name").asText());
        }
        assertEquals(List.of("LiveProductionTargetGroup", "LiveTestTargetGroup"), devAlb);
        assertEquals(0, stack("dev", "network").path("parameters").size());
    }

    @Test
    void exportsAndImportsAreTheEnvironmentsNames() {
        assertTrue(stack("prod", "ecr").path("exports").toString().contains("\"hello-RepositoryUri\""));
        assertTrue(stack("prod", "service").path("imports").toString().contains("\"hello-RepositoryUri\""));
        assertTrue(stack("prod", "service").path("imports").toString().contains("\"hello-prod-PermissionsBoundaryArn\""));
        assertFalse(stack("prod", "service").path("exports").elements().hasNext());
    }

    @Test
    void environmentsSayWhatThePipelineDoesThere() {
        JsonNode envs = json.path("environments");
        assertFalse(envs.get(0).path("terminationProtection").asBoolean(true));
        assertTrue(envs.get(0).path("pushesImages").asBoolean(false));
        assertTrue(envs.get(1).path("terminationProtection").asBoolean(false));
        assertFalse(envs.get(1).path("pushesImages").asBoolean(true));
        assertEquals("[\"ecs.amazonaws.com\",\"elasticloadbalancing.amazonaws.com\",\"ecs.application-autoscaling.amazonaws.com\"]",
                json.path("serviceLinkedRoles").toString());
    }
}
