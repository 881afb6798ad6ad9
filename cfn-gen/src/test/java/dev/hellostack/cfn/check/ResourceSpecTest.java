package dev.hellostack.cfn.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ResourceSpecTest {

    private static final ResourceSpec SPEC = ResourceSpec.load(Fixtures.repoRoot());

    @Test
    void everyTypeTheRefreshScriptListsIsInTheSubset() throws IOException {
        String script = Files.readString(Fixtures.repoRoot().resolve("cfn-gen/spec/extract-subset.mjs"));
        Matcher m = Pattern.compile("'(AWS::[A-Za-z0-9]+::[A-Za-z0-9]+)'").matcher(script);
        int count = 0;
        while (m.find()) {
            assertNotNull(SPEC.resourceType(m.group(1)), m.group(1) + " is missing: run cfn-gen/spec/refresh.sh");
            count++;
        }
        assertEquals(34, count);
    }

    @Test
    void theSubsetCarriesRequiredFlagsTypesAndAttributes() {
        ResourceSpec.ResourceType subnet = SPEC.resourceType("AWS::EC2::Subnet");
        assertTrue(subnet.properties().get("VpcId").required());
        assertFalse(subnet.properties().get("CidrBlock").required());
        assertEquals(new ResourceSpec.Primitive("boolean"), subnet.properties().get("MapPublicIpOnLaunch").type());
        assertEquals(new ResourceSpec.ListOf(new ResourceSpec.Primitive("tag")), subnet.properties().get("Tags").type());
        ResourceSpec.ResourceType lb = SPEC.resourceType("AWS::ElasticLoadBalancingV2::LoadBalancer");
        assertEquals(new ResourceSpec.ListOf(new ResourceSpec.Primitive("string")), lb.attributes().get("SecurityGroups"));
        assertEquals(List.of("Arn", "RepositoryUri"), List.copyOf(SPEC.resourceType("AWS::ECR::Repository").attributes().keySet()));
        assertTrue(SPEC.existsInCloudFormation("AWS::SNS::Topic"));
        assertFalse(SPEC.existsInCloudFormation("AWS::ECR::Repo"));
    }

    @Test
    void aBrokenSubsetIsRejectedWithWhereItIsBroken() throws IOException {
        var json = new ObjectMapper().readTree(
                "{\"resourceTypes\":{\"AWS::X::Y\":{\"properties\":{\"P\":{\"type\":{\"struct\":\"AWS::X::Y.Missing\"}}}}}}");
        CheckException e = assertThrows(CheckException.class, () -> ResourceSpec.parse(json));
        assertEquals("resource specification subset: AWS::X::Y.P refers to missing property type AWS::X::Y.Missing", e.getMessage());
        var badType = new ObjectMapper().readTree("{\"resourceTypes\":{\"AWS::X::Y\":{\"properties\":{\"P\":{\"type\":\"text\"}}}}}");
        CheckException e2 = assertThrows(CheckException.class, () -> ResourceSpec.parse(badType));
        assertTrue(e2.getMessage().startsWith("resource specification subset: bad type \"text\" at AWS::X::Y.P"), e2.getMessage());
    }
}
