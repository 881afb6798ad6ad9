package dev.hellostack.cfn.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Runs the real cfn-guard (installed by the build with npm ci) over broken templates. */
class GuardCheckTest {

    private static final GuardTool TOOL = GuardTool.ensureInstalled(Fixtures.repoRoot());
    private static final GuardCheck GUARD = new GuardCheck(TOOL);

    /** Our own rules only, as "control template resource". */
    private static List<String> ownRuleFailures(String fixture) {
        return GUARD.evaluate(List.of(TOOL.ownRules()), List.of(Fixtures.path("guard/" + fixture))).stream()
                .map(f -> f.control() + " " + f.template() + " " + f.resource()).toList();
    }

    /** Every rule: Control Tower's and ours. */
    private static List<String> allFailures(String fixture) {
        return GUARD.evaluate(List.of(Fixtures.path("guard/" + fixture))).stream()
                .map(f -> f.control() + " " + f.template() + " " + f.resource()).toList();
    }

    @Test
    void openIngressIsAllowedOnlyOnTheListenerPorts() {
        assertEquals(List.of("HS.SG.1 open-ingress.yaml AppIngress", "HS.SG.1 open-ingress.yaml ConditionalSecurityGroup",
                        "HS.SG.1 open-ingress.yaml SshSecurityGroup"),
                ownRuleFailures("open-ingress.yaml"));
    }

    @Test
    void wildcardActionsAreRejectedButWildcardDeniesAreNot() {
        assertEquals(List.of("HS.IAM.1 wildcard-action.yaml AdminRole", "HS.IAM.1 wildcard-action.yaml ConditionalRole",
                        "HS.IAM.1 wildcard-action.yaml Everything"),
                ownRuleFailures("wildcard-action.yaml"));
    }

    @Test
    void wildcardResourcesAreAllowedOnlyForGetAuthorizationTokenAlone() {
        assertEquals(List.of("HS.IAM.2 wildcard-resource.yaml ConditionalPolicy", "HS.IAM.2 wildcard-resource.yaml LogsPolicy"),
                ownRuleFailures("wildcard-resource.yaml"));
    }

    @Test
    void everyLogGroupNeedsARetentionPeriod() {
        assertEquals(List.of("HS.LOGS.1 log-retention.yaml AppLogs"), ownRuleFailures("log-retention.yaml"));
    }

    @Test
    void controlTowerRuleCatchesARepositoryWithoutScanOnPush() {
        List<GuardCheck.Failure> failures = GUARD.evaluate(List.of(Fixtures.path("guard/ecr-no-scan.yaml")));
        assertEquals(1, failures.size(), failures.toString());
        GuardCheck.Failure f = failures.get(0);
        assertEquals("CT.ECR.PR.2 ecr-no-scan.yaml Repository", f.control() + " " + f.template() + " " + f.resource());
        assertEquals("ecr-no-scan.yaml: Resources.Repository: CT.ECR.PR.2 Require Amazon ECR private repositories to have "
                + "image scanning enabled [FIX: Set 'ScanOnPush' in 'ImageScanningConfiguration' to 'true'.]", f.toFinding().toString());
    }

    @Test
    void controlTowerRulesAlsoCatchWhatOurRulesCatch() {
        List<String> failures = allFailures("wildcard-action.yaml");
        assertTrue(failures.contains("CT.IAM.PR.3 wildcard-action.yaml Everything"), failures.toString());
        assertTrue(failures.contains("HS.IAM.1 wildcard-action.yaml Everything"), failures.toString());
    }

    @Test
    void aCompliantTemplatePassesEveryRule() {
        assertEquals(List.of(), allFailures("compliant.yaml"));
    }

    @Test
    void reportsEachTemplateSeparately() {
        List<String> failures = GUARD.evaluate(List.of(TOOL.ownRules()),
                        List.of(Fixtures.path("guard/log-retention.yaml"), Fixtures.path("guard/wildcard-resource.yaml")))
                .stream().map(f -> f.control() + " " + f.template() + " " + f.resource()).toList();
        assertEquals(List.of("HS.LOGS.1 log-retention.yaml AppLogs", "HS.IAM.2 wildcard-resource.yaml ConditionalPolicy",
                "HS.IAM.2 wildcard-resource.yaml LogsPolicy"), failures);
    }

    @Test
    void aFailureWithoutAResourceIsReportedForTheTemplateAndARuleWithoutAnIdByItsName() {
        List<GuardCheck.Failure> failures = GUARD.evaluate(List.of(Fixtures.path("guard-rules/template-level.guard")),
                List.of(Fixtures.path("guard/ecr-no-scan.yaml")));
        assertEquals(List.of("TEST.TEMPLATE.1 ecr-no-scan.yaml (template)", "test_repository_is_named ecr-no-scan.yaml Repository"),
                failures.stream().map(f -> f.control() + " " + f.template() + " " + f.resource()).toList());
        assertEquals("ecr-no-scan.yaml: (template): TEST.TEMPLATE.1 The template needs a Description",
                failures.get(0).toFinding().toString());
    }

    @Test
    void accountWideResourcesAreRejectedButTypeScopedOnesAndDeniesAreNot() {
        assertEquals(List.of("HS.IAM.3 account-wide-resource.yaml WholeEc2", "HS.IAM.3 account-wide-resource.yaml WholeElbLiteral"),
                ownRuleFailures("account-wide-resource.yaml").stream().filter(f -> f.startsWith("HS.IAM.3")).toList());
    }

    @Test
    void passRoleNeedsAPathOrOneRoleAndPassedToService() {
        assertEquals(List.of("HS.IAM.4 pass-role.yaml AnyRole", "HS.IAM.4 pass-role.yaml NamePrefixRole",
                        "HS.IAM.4 pass-role.yaml NoServiceCondition"),
                ownRuleFailures("pass-role.yaml").stream().filter(f -> f.startsWith("HS.IAM.4")).toList());
    }

    @Test
    void interfaceEndpointsNeedAPolicy() {
        assertEquals(List.of("HS.EC2.1 endpoint-policy.yaml OpenDefaultType", "HS.EC2.1 endpoint-policy.yaml OpenInterface"),
                ownRuleFailures("endpoint-policy.yaml"));
    }
}
