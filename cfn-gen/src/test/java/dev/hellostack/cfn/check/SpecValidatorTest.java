package dev.hellostack.cfn.check;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class SpecValidatorTest {

    private static final SpecValidator VALIDATOR = new SpecValidator(ResourceSpec.load(Fixtures.repoRoot()));

    /** Validates fixture check/spec/{fixture} as if it were templates/{name}. */
    private static List<String> findings(String fixture, String name) {
        return VALIDATOR.validate(name, Templates.readYaml(Fixtures.path("spec/" + fixture)))
                .stream().map(Finding::toString).toList();
    }

    @Test
    void aTemplateUsingEveryShapeTheCheckKnowsPasses() {
        assertEquals(List.of(), findings("valid.yaml", "valid.yaml"));
    }

    @Test
    void misspeltNestedPropertyNamesStackResourceAndPath() {
        assertEquals(List.of("ecr.yaml: Resources.Repository.Properties.ImageScanningConfiguration.ScanOnPushh: "
                        + "unknown property for AWS::ECR::Repository (ImageScanningConfiguration); known: ScanOnPush"),
                findings("misspelt-property.yaml", "ecr.yaml"));
    }

    @Test
    void propertyNamesAreCaseSensitive() {
        List<String> found = findings("misspelt-top-level-property.yaml", "ecr.yaml");
        assertEquals(1, found.size(), found.toString());
        assertEquals("ecr.yaml: Resources.Repository.Properties.imageTagMutability: unknown property for "
                + "AWS::ECR::Repository; known: EmptyOnDelete, EncryptionConfiguration, ImageScanningConfiguration, "
                + "ImageTagMutability, ImageTagMutabilityExclusionFilters, LifecyclePolicy, RepositoryName, "
                + "RepositoryPolicyText, Tags", found.get(0));
    }

    @Test
    void missingRequiredPropertiesAreReportedAtTopLevelAndNested() {
        assertEquals(List.of(
                        "network.yaml: Resources.PublicSubnet1.Properties.VpcId: missing required property for AWS::EC2::Subnet",
                        "network.yaml: Resources.Repository.Properties.EncryptionConfiguration.EncryptionType: "
                                + "missing required property for AWS::ECR::Repository (EncryptionConfiguration)"),
                findings("missing-required.yaml", "network.yaml"));
    }

    @Test
    void valuesOfTheWrongTypeAreReported() {
        assertEquals(List.of(
                        "alb.yaml: Resources.Listener.Properties.Port: expected integer (AWS::ElasticLoadBalancingV2::Listener), got a list",
                        "alb.yaml: Resources.LogGroup.Properties.RetentionInDays: expected integer (AWS::Logs::LogGroup), got string \"thirty\"",
                        "alb.yaml: Resources.LogGroup.Properties.Tags[0].Value: missing required property for AWS::Logs::LogGroup (Tag)",
                        "alb.yaml: Resources.Repository.Properties.ImageScanningConfiguration.ScanOnPush: "
                                + "expected boolean (AWS::ECR::Repository), got string \"maybe\"",
                        "alb.yaml: Resources.Vpc.Properties.CidrBlock: expected string (AWS::EC2::VPC), but Ref produces a list"),
                findings("wrong-type.yaml", "alb.yaml"));
    }

    @Test
    void getAttMustNameAnAttributeOfTheResourceType() {
        assertEquals(List.of(
                        "ecr.yaml: Outputs.Nothing.Value.Fn::GetAtt: GetAtt of Missing.Arn, but there is no resource Missing",
                        "ecr.yaml: Outputs.RepositoryArn.Value.Fn::GetAtt: GetAtt names attribute RepositoryArn of Repository, "
                                + "which AWS::ECR::Repository does not have; attributes: Arn, RepositoryUri",
                        "ecr.yaml: Outputs.RepositoryUrl.Value.Fn::Sub: GetAtt names attribute Uri of Repository, "
                                + "which AWS::ECR::Repository does not have; attributes: Arn, RepositoryUri"),
                findings("bad-getatt.yaml", "ecr.yaml"));
    }

    @Test
    void unknownResourceTypesAreReportedWithWhatToDo() {
        assertEquals(List.of(
                        "ecr.yaml: Resources.Repository.Type: unknown resource type AWS::ECR::Repo "
                                + "(AWS's CloudFormation specification has no such type)",
                        "ecr.yaml: Resources.Topic.Type: unknown resource type AWS::SNS::Topic (a CloudFormation type, but not in "
                                + "cfn-gen/spec/resource-spec-subset.json: add it to TYPES in cfn-gen/spec/extract-subset.mjs "
                                + "and run cfn-gen/spec/refresh.sh)"),
                findings("unknown-type.yaml", "ecr.yaml"));
    }

    @Test
    void bothBranchesOfFnIfAreChecked() {
        assertEquals(List.of("alb.yaml: Resources.Listener.Properties.Port.Fn::If[2]: "
                        + "expected integer (AWS::ElasticLoadBalancingV2::Listener), got string \"eighty\""),
                findings("if-branches.yaml", "alb.yaml"));
    }
}
