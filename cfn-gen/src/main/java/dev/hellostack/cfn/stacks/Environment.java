package dev.hellostack.cfn.stacks;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A named environment: the parameter values every stack of it is deployed with. Defined once, in
 * {@link Environments}; written to {@code templates/stacks.json} for the pipeline and used by
 * {@code cfn-gen resolve --env NAME} to show the templates as a Control Tower hook sees them.
 *
 * @param name                  the EnvName of every stack (also the key the pipeline's DEPLOY_ENV selects)
 * @param summary               one line for the docs
 * @param terminationProtection whether the pipeline turns on stack termination protection after a deploy
 * @param values                stack name to parameter name to value
 * @param required              stack name to parameters that have no value here and must be supplied at
 *                              deploy time (CFN_PARAM_Name), such as a certificate ARN
 */
public record Environment(String name, String summary, boolean terminationProtection,
        Map<String, Map<String, String>> values, Map<String, List<String>> required) {

    public Environment {
        Objects.requireNonNull(name, "name");
        if (!name.matches(AppEnv.ENV_PATTERN)) {
            throw new IllegalArgumentException("environment name '" + name + "' does not match " + AppEnv.ENV_PATTERN);
        }
        values = copy(values);
        required = Map.copyOf(required);
    }

    private static Map<String, Map<String, String>> copy(Map<String, Map<String, String>> in) {
        Map<String, Map<String, String>> out = new LinkedHashMap<>();
        in.forEach((k, v) -> out.put(k, Map.copyOf(v)));
        return Map.copyOf(out);
    }

    /** The values for one stack's parameters, EnvName included; required parameters are not in it. */
    public Map<String, String> parameters(String stack) {
        Map<String, String> out = new LinkedHashMap<>(values.getOrDefault(stack, Map.of()));
        out.put("EnvName", name);
        return out;
    }

    /** Parameters of one stack that must be supplied when deploying this environment. */
    public List<String> requiredParameters(String stack) {
        return required.getOrDefault(stack, List.of());
    }
}
