package dev.hellostack.cfn.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each intrinsic's CloudFormation long form, as YAML. */
class FnTest {

    private static String yaml(Object value) {
        return TemplateWriter.writeYaml(Values.plain(value, "test"));
    }

    @Test
    void refIsWrittenAsRef() {
        assertEquals("Ref: Vpc\n", yaml(Fn.ref("Vpc")));
    }

    @Test
    void getAttIsAListOfResourceAndAttribute() {
        assertEquals("Fn::GetAtt:\n  - Repository\n  - Arn\n", yaml(Fn.getAtt("Repository", "Arn")));
    }

    @Test
    void subWithoutVariablesIsAPlainString() {
        assertEquals("Fn::Sub: \"${AppName}-${EnvName}\"\n", yaml(Fn.sub("${AppName}-${EnvName}")));
    }

    @Test
    void subWithVariablesIsAListWithASortedMap() {
        assertEquals("""
                Fn::Sub:
                  - "${Uri}:${Tag}"
                  - Tag:
                      Ref: ImageTag
                    Uri:
                      Fn::ImportValue: repo
                """, yaml(Fn.sub("${Uri}:${Tag}", Map.of("Uri", Fn.importValue("repo"), "Tag", Fn.ref("ImageTag")))));
    }

    @Test
    void joinTakesADelimiterAndValues() {
        assertEquals("Fn::Join:\n  - \",\"\n  - - a\n    - Ref: B\n", yaml(Fn.join(",", "a", Fn.ref("B"))));
    }

    @Test
    void selectWritesAnIntegerIndex() {
        assertEquals("Fn::Select:\n  - 1\n  - Fn::GetAZs: \"\"\n", yaml(Fn.select(1, Fn.getAZs())));
    }

    @Test
    void selectRejectsANegativeIndex() {
        assertThrows(IllegalArgumentException.class, () -> Fn.select(-1, Fn.getAZs()));
    }

    @Test
    void importValueWrapsTheExportName() {
        assertEquals("Fn::ImportValue:\n  Fn::Sub: \"${AppName}-${EnvName}-VpcId\"\n",
                yaml(Fn.importValue(Fn.sub("${AppName}-${EnvName}-VpcId"))));
    }

    @Test
    void ifNamesTheConditionAndBothValues() {
        assertEquals("Fn::If:\n  - HasCert\n  - HTTPS\n  - Ref: AWS::NoValue\n",
                yaml(Fn.ifThen(new Fn.Condition("HasCert"), "HTTPS", Fn.Pseudo.NO_VALUE)));
    }

    @Test
    void conditionFunctions() {
        Fn expr = Fn.and(
                Fn.not(Fn.equalsFn(Fn.ref("Cert"), "")),
                Fn.or(new Fn.Condition("A"), new Fn.Condition("B")));
        assertEquals("""
                Fn::And:
                  - Fn::Not:
                      - Fn::Equals:
                          - Ref: Cert
                          - ""
                  - Fn::Or:
                      - Condition: A
                      - Condition: B
                """, yaml(expr));
    }

    @Test
    void andNeedsAtLeastTwoConditions() {
        assertThrows(IllegalArgumentException.class, () -> Fn.and(new Fn.Condition("A")));
    }

    @Test
    void findInMapNamesTheMapAndBothKeys() {
        assertEquals("Fn::FindInMap:\n  - ElbLogDelivery\n  - Ref: AWS::Region\n  - Account\n",
                yaml(Fn.findInMap("ElbLogDelivery", Fn.Pseudo.REGION, "Account")));
    }

    @Test
    void pseudoParametersAreRefs() {
        assertEquals("  - Ref: AWS::AccountId\n  - Ref: AWS::NoValue\n  - Ref: AWS::Partition\n  - Ref: AWS::Region\n"
                        + "  - Ref: AWS::StackName\n  - Ref: AWS::URLSuffix\n",
                yaml(List.of(Fn.Pseudo.ACCOUNT_ID, Fn.Pseudo.NO_VALUE, Fn.Pseudo.PARTITION, Fn.Pseudo.REGION,
                        Fn.Pseudo.STACK_NAME, Fn.Pseudo.URL_SUFFIX)));
    }
}
