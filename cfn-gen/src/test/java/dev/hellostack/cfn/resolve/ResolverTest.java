package dev.hellostack.cfn.resolve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.hellostack.cfn.check.ResourceSpec;
import dev.hellostack.cfn.check.TemplateChecks;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResolverTest {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Resolver RESOLVER = new Resolver(ResourceSpec.load(TemplateChecks.findRepoRoot()));

    private static final String TEMPLATE = """
            AWSTemplateFormatVersion: "2010-09-09"
            Parameters:
              EnvName: {Type: String, Default: dev, AllowedPattern: "^[a-z]+$"}
              Memory: {Type: String, Default: "512", AllowedValues: ["512", "1024"]}
              Days: {Type: Number, Default: 14, MinValue: 1, MaxValue: 3653}
              Cert: {Type: String, Default: ""}
              Zones: {Type: CommaDelimitedList, Default: "a,b"}
            Rules:
              SmallMemoryInDev:
                RuleCondition: {"Fn::Equals": [{Ref: EnvName}, dev]}
                Assertions:
                  - Assert: {"Fn::Contains": [["512"], {Ref: Memory}]}
                    AssertDescription: dev runs 512 MiB tasks
            Conditions:
              HasCert: {"Fn::Not": [{"Fn::Equals": [{Ref: Cert}, ""]}]}
              NoCert: {"Fn::Not": [{Condition: HasCert}]}
            Resources:
              Logs:
                Type: AWS::Logs::LogGroup
                Properties:
                  LogGroupName: {"Fn::Sub": "/ecs/${EnvName}/${AWS::Region}"}
                  RetentionInDays: {Ref: Days}
                  KmsKeyId: {"Fn::If": [HasCert, {"Fn::GetAtt": [Key, Arn]}, {Ref: "AWS::NoValue"}]}
              Key:
                Type: AWS::KMS::Key
                Condition: HasCert
                Properties:
                  Description: {"Fn::Join": ["-", [{Ref: EnvName}, {"Fn::Select": [1, {Ref: Zones}]}]]}
              Task:
                Type: AWS::ECS::TaskDefinition
                DependsOn: [Key, Logs]
                Properties:
                  Cpu: "256"
                  ContainerDefinitions:
                    - Name: app
                      Image: {"Fn::Sub": ["${Repo}:${!Literal}", {Repo: {"Fn::ImportValue": repo}}]}
                      Memory: {Ref: Memory}
                      Essential: {"Fn::If": [NoCert, "true", "false"]}
            Outputs:
              KeyArn:
                Condition: HasCert
                Value: {"Fn::GetAtt": [Key, Arn]}
              Env:
                Value: {"Fn::Sub": "${EnvName}"}
            """;

    private static Map<String, Object> resolve(Map<String, String> values) throws Exception {
        Map<String, Object> template = YAML.readValue(TEMPLATE, new TypeReference<>() { });
        return RESOLVER.resolve("t.yaml", template, values);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> at(Map<String, Object> root, String... path) {
        Map<String, Object> node = root;
        for (String p : path) {
            node = (Map<String, Object>) node.get(p);
        }
        return node;
    }

    @Test
    void substitutesParametersAndDropsWhatAFalseConditionRemoves() throws Exception {
        Map<String, Object> t = resolve(Map.of());
        Map<String, Object> resources = at(t, "Resources");
        assertEquals(List.of("Logs", "Task"), List.copyOf(resources.keySet()), "the Key's condition is false");
        Map<String, Object> logs = at(t, "Resources", "Logs", "Properties");
        assertEquals(Map.of("Fn::Sub", "/ecs/dev/${AWS::Region}"), logs.get("LogGroupName"), "pseudo parameters stay");
        assertEquals(14, logs.get("RetentionInDays"), "typed as the spec's integer");
        assertFalse(logs.containsKey("KmsKeyId"), "AWS::NoValue removes the property");
        assertEquals(List.of("Logs"), at(t, "Resources", "Task").get("DependsOn"), "no DependsOn on a removed resource");
        assertEquals(List.of("Env"), List.copyOf(at(t, "Outputs").keySet()));
        assertEquals("dev", at(t, "Outputs", "Env").get("Value"), "an Fn::Sub with only parameters becomes a string");
        assertFalse(t.containsKey("Parameters") || t.containsKey("Conditions") || t.containsKey("Rules"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void typesPropertiesByTheResourceSpecificationAndFoldsWhatIsKnown() throws Exception {
        Map<String, Object> t = resolve(Map.of("Cert", "arn:x", "EnvName", "prod", "Memory", "1024"));
        Map<String, Object> container = ((List<Map<String, Object>>) at(t, "Resources", "Task", "Properties")
                .get("ContainerDefinitions")).get(0);
        assertEquals(1024, container.get("Memory"), "container Memory is an integer in the specification");
        assertEquals(Boolean.FALSE, container.get("Essential"));
        assertEquals("256", at(t, "Resources", "Task", "Properties").get("Cpu"), "task Cpu is a string in the specification");
        assertEquals(Map.of("Fn::Sub", List.of("${Repo}:${!Literal}", Map.of("Repo", Map.of("Fn::ImportValue", "repo")))),
                container.get("Image"), "an import stays, and so does the escaped literal");
        assertEquals("prod-b", at(t, "Resources", "Key", "Properties").get("Description"), "Fn::Join over Fn::Select");
        assertEquals(Map.of("Fn::GetAtt", List.of("Key", "Arn")), at(t, "Resources", "Logs", "Properties").get("KmsKeyId"));
        assertTrue(at(t, "Outputs").containsKey("KeyArn"));
        assertEquals(List.of("Key", "Logs"), at(t, "Resources", "Task").get("DependsOn"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void replacesAnImportWithItsSampleValueWhenItsNameIsKnown() throws Exception {
        Map<String, Object> template = YAML.readValue("""
                Parameters:
                  EnvName: {Type: String, Default: dev}
                Resources:
                  Fn:
                    Type: AWS::Lambda::Function
                    Properties:
                      VpcConfig:
                        SubnetIds: {"Fn::Split": [",", {"Fn::ImportValue": {"Fn::Sub": "hello-${EnvName}-PrivateSubnetIds"}}]}
                        SecurityGroupIds: [{"Fn::ImportValue": {"Fn::Sub": "hello-${EnvName}-Other"}}]
                """, new TypeReference<Map<String, Object>>() { });
        Map<String, Object> t = new Resolver(null, Map.of("PrivateSubnetIds", "subnet-1,subnet-2"))
                .resolve("t", template, Map.of());
        Map<String, Object> vpc = (Map<String, Object>) at(t, "Resources", "Fn", "Properties").get("VpcConfig");
        assertEquals(List.of("subnet-1", "subnet-2"), vpc.get("SubnetIds"), "the import folds, then the split");
        assertEquals(List.of(Map.of("Fn::ImportValue", "hello-dev-Other")), vpc.get("SecurityGroupIds"),
                "an import without a sample value stays");
    }

    @Test
    void refusesValuesTheTemplateWouldRefuse() {
        assertEquals("t.yaml: parameter Memory: '2048' is not one of [512, 1024]",
                assertThrows(ResolveException.class, () -> resolve(Map.of("Memory", "2048"))).getMessage());
        assertEquals("t.yaml: parameter EnvName: 'Prod' does not match ^[a-z]+$",
                assertThrows(ResolveException.class, () -> resolve(Map.of("EnvName", "Prod"))).getMessage());
        assertEquals("t.yaml: parameter Days: 0 is outside 1 to 3653",
                assertThrows(ResolveException.class, () -> resolve(Map.of("Days", "0"))).getMessage());
        assertTrue(assertThrows(ResolveException.class, () -> resolve(Map.of("Typo", "x"))).getMessage()
                .startsWith("t.yaml: parameter Typo is given a value but the template does not declare it"));
    }

    @Test
    void aFailingRuleStopsTheResolution() throws Exception {
        assertEquals("t.yaml: rule SmallMemoryInDev fails: dev runs 512 MiB tasks",
                assertThrows(ResolveException.class, () -> resolve(Map.of("Memory", "1024"))).getMessage());
        resolve(Map.of("Memory", "1024", "EnvName", "prod")); // the rule's condition is false: no assertion
    }
}
