package dev.hellostack.cfn.stacks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What AWS enforces on the generated templates, computed on the committed files after substituting the
 * longest value each parameter, pseudo parameter, attribute and import can take.
 *
 * <p>IAM User Guide, "IAM and AWS STS quotas": "the total aggregate policy size (the sum size of all inline
 * policies) per entity cannot exceed ... Role policy size cannot exceed 10,240 characters"; "Managed policy
 * size ... 6,144"; "Role trust policy length | 2048 characters" (the default); "Managed policies attached to
 * an IAM role | 10" (the default); "IAM does not count white space when calculating the size of a policy
 * against these quotas". CloudFormation User Guide, "AWS CloudFormation quotas": "Template body size in a
 * request ... 51,200 bytes", "Resources ... 500", "Parameters ... 200", "Outputs ... 200", "Mappings ...
 * 200", "Mapping attributes ... 200".
 */
class QuotasTest {

    static final int ROLE_INLINE_POLICIES = 10_240;
    static final int MANAGED_POLICY = 6_144;
    static final int TRUST_POLICY = 2_048;
    static final int MANAGED_POLICIES_PER_ROLE = 10;
    static final int TEMPLATE_BODY_BYTES = 51_200;

    /** The longest value of each pseudo parameter: the partition aws-us-gov, a 14-character Region, a 12-digit account. */
    static final Map<String, String> PSEUDO = Map.of(
            "AWS::Partition", "aws-us-gov",
            "AWS::Region", "ap-southeast-7",
            "AWS::AccountId", "123456789012",
            "AWS::URLSuffix", "amazonaws.com.cn",
            "AWS::StackName", "x".repeat(128));
    /**
     * A resource's Ref or attribute, or an import: the longest an ARN or id of the kinds we use gets (an IAM
     * role ARN with a generated 64-character name is about 100; ELB ARNs about 110).
     */
    static final int REFERENCE_LENGTH = 200;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([^}!][^}]*)}");

    /** The longest text a value can become in this template; for objects and lists, their minified JSON. */
    static String longest(JsonNode value, JsonNode template) {
        if (value.isObject() && value.size() == 1) {
            String fn = value.fieldNames().next();
            JsonNode arg = value.get(fn);
            switch (fn) {
                case "Ref":
                    return PSEUDO.containsKey(arg.asText()) ? PSEUDO.get(arg.asText()) : reference(arg.asText(), template);
                case "Fn::GetAtt", "Fn::ImportValue":
                    return "r".repeat(REFERENCE_LENGTH);
                case "Fn::Join": {
                    List<String> parts = new ArrayList<>();
                    for (JsonNode p : arg.get(1)) {
                        parts.add(longest(p, template));
                    }
                    return String.join(arg.get(0).asText(), parts);
                }
                case "Fn::Select", "Fn::Split":
                    return longest(arg.get(1), template);
                case "Fn::If": {
                    String a = longest(arg.get(1), template);
                    String b = longest(arg.get(2), template);
                    return a.length() >= b.length() ? a : b;
                }
                case "Fn::FindInMap":
                    return "1".repeat(12);
                case "Fn::Sub":
                    return sub(arg, template);
                default:
                    break;
            }
        }
        if (value.isTextual()) {
            return value.asText();
        }
        if (value.isValueNode()) {
            return value.asText();
        }
        JsonNode resolved = resolve(value, template);
        return resolved.toString();
    }

    private static String sub(JsonNode arg, JsonNode template) {
        String text = arg.isArray() ? arg.get(0).asText() : arg.asText();
        JsonNode vars = arg.isArray() ? arg.get(1) : JSON.createObjectNode();
        Matcher m = PLACEHOLDER.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1);
            String replacement = vars.has(name) ? longest(vars.get(name), template)
                    : PSEUDO.containsKey(name) ? PSEUDO.get(name)
                    : name.contains(".") ? "r".repeat(REFERENCE_LENGTH)
                    : reference(name, template);
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** A parameter's longest allowed value (it must declare MaxLength or AllowedValues), or a resource's id. */
    private static String reference(String name, JsonNode template) {
        JsonNode p = template.path("Parameters").path(name);
        if (p.isMissingNode()) {
            return "r".repeat(REFERENCE_LENGTH);
        }
        if (p.has("AllowedValues")) {
            String max = "";
            for (JsonNode v : p.get("AllowedValues")) {
                max = v.asText().length() > max.length() ? v.asText() : max;
            }
            return max;
        }
        if (!p.has("MaxLength")) {
            throw new AssertionError("parameter " + name + " has neither MaxLength nor AllowedValues: its longest value, "
                    + "and so the size of what uses it, is unknown");
        }
        return "p".repeat(p.get("MaxLength").asInt());
    }

    /** The value with every intrinsic replaced by its longest text (Fn::Sub of JSON text parsed as JSON). */
    static JsonNode resolve(JsonNode value, JsonNode template) {
        if (value.isObject() && value.size() == 1 && value.fieldNames().next().startsWith("Fn::")
                || value.isObject() && value.size() == 1 && value.has("Ref")) {
            String text = longest(value, template);
            if (value.has("Fn::Sub") && text.strip().startsWith("{")) {
                try {
                    return JSON.readTree(text);
                } catch (IOException e) {
                    throw new AssertionError("Fn::Sub is not JSON after substitution: " + text, e);
                }
            }
            return JSON.getNodeFactory().textNode(text);
        }
        if (value.isObject()) {
            ObjectNode out = JSON.createObjectNode();
            value.properties().forEach(e -> {
                JsonNode v = e.getValue();
                boolean noValue = v.isObject() && "AWS::NoValue".equals(v.path("Ref").asText(null));
                if (!noValue) {
                    out.set(e.getKey(), resolve(v, template));
                }
            });
            return out;
        }
        if (value.isArray()) {
            ArrayNode out = JSON.createArrayNode();
            for (JsonNode v : value) {
                out.add(resolve(v, template));
            }
            return out;
        }
        return value;
    }

    /** The characters IAM counts: the minified JSON without white space. */
    static int iamSize(JsonNode policy) {
        return policy.toString().replaceAll("\\s", "").length();
    }

    @Test
    void inlinePoliciesTrustPoliciesAndManagedPoliciesFitIamsQuotas() {
        List<String> sizes = new ArrayList<>();
        TemplateFiles.all().forEach((file, template) -> {
            TemplateFiles.resources(template, "AWS::IAM::Role").forEach((id, role) -> {
                JsonNode props = role.path("Properties");
                int inline = 0;
                for (JsonNode policy : props.path("Policies")) {
                    inline += iamSize(resolve(policy.path("PolicyDocument"), template));
                }
                int trust = iamSize(resolve(props.path("AssumeRolePolicyDocument"), template));
                sizes.add(file + " " + id + ": inline " + inline + ", trust " + trust);
                assertTrue(inline <= ROLE_INLINE_POLICIES, file + " " + id + ": inline policies " + inline
                        + " characters, over IAM's " + ROLE_INLINE_POLICIES);
                assertTrue(trust <= TRUST_POLICY, file + " " + id + ": trust policy " + trust + " characters, over IAM's "
                        + TRUST_POLICY);
                assertTrue(props.path("ManagedPolicyArns").size() <= MANAGED_POLICIES_PER_ROLE, file + " " + id);
            });
            TemplateFiles.resources(template, "AWS::IAM::ManagedPolicy").forEach((id, policy) -> {
                int size = iamSize(resolve(policy.path("Properties").path("PolicyDocument"), template));
                sizes.add(file + " " + id + ": managed " + size);
                assertTrue(size <= MANAGED_POLICY, file + " " + id + ": " + size + " characters, over IAM's " + MANAGED_POLICY);
            });
        });
        System.out.println("[quotas] policy sizes with the longest values (IAM characters): " + String.join("; ", sizes));
    }

    @Test
    void everyTemplateFitsCloudFormationsQuotas() throws IOException {
        for (Map.Entry<String, JsonNode> e : TemplateFiles.all().entrySet()) {
            long bytes = Files.size(TemplateFiles.ROOT.resolve("templates").resolve(e.getKey()));
            assertTrue(bytes <= TEMPLATE_BODY_BYTES, e.getKey() + " has " + bytes + " bytes; CloudFormation takes at most "
                    + TEMPLATE_BODY_BYTES + " in a request (the pipeline sends templates inline)");
            JsonNode t = e.getValue();
            assertTrue(t.path("Resources").size() <= 500, e.getKey());
            assertTrue(t.path("Parameters").size() <= 200, e.getKey());
            assertTrue(t.path("Outputs").size() <= 200, e.getKey());
            assertTrue(t.path("Mappings").size() <= 200, e.getKey());
            t.path("Mappings").forEach(m -> assertTrue(m.size() <= 200, e.getKey() + ": a mapping with " + m.size()));
        }
    }

    /** The computation itself: substitution takes the longest values, and an unbounded parameter is refused. */
    @Test
    void substitutesTheLongestValues() throws IOException {
        JsonNode template = TemplateFiles.YAML.readTree("""
                Parameters:
                  Name: {Type: String, MaxLength: 20}
                  Mode: {Type: String, AllowedValues: [a, bbb]}
                  Free: {Type: String}
                """);
        assertEquals("arn:aws-us-gov:iam::123456789012:role/" + "p".repeat(20),
                longest(JSON.readTree("{\"Fn::Sub\": \"arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${Name}\"}"), template));
        assertEquals("bbb", longest(JSON.readTree("{\"Ref\": \"Mode\"}"), template));
        assertEquals(REFERENCE_LENGTH, longest(JSON.readTree("{\"Fn::ImportValue\": \"x\"}"), template).length());
        assertEquals(18, iamSize(JSON.readTree("{\"Effect\": \"Allow\" }")));
        assertThrows(AssertionError.class, () -> longest(JSON.readTree("{\"Ref\": \"Free\"}"), template));
    }
}
