package dev.hellostack.cfn.check;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The guard controls we accept failing, each for one resource of one template in one environment,
 * with a reason and the environment setting that clears it: {@code cfn-gen/guard/exclusions.yaml}.
 * The checks run over the templates resolved for each environment; a failure that no exclusion of
 * that environment covers is a finding, and so is an exclusion that no failure matches any more (so
 * the list cannot rot).
 *
 * <pre>
 * exclusions:
 *   - control: CT.CLOUDWATCH.PR.2
 *     environment: dev
 *     template: service.yaml
 *     resource: LogGroup
 *     clearedBy: LogRetentionDays 365 or more (prod)
 *     reason: why this control fails in this environment
 * </pre>
 */
public final class Exclusions {

    /** The exclusions file, relative to the repository root. */
    public static final String PATH = "cfn-gen/guard/exclusions.yaml";

    private static final Set<String> FIELDS = Set.of("control", "environment", "template", "resource", "clearedBy", "reason");

    /** One accepted failure. */
    public record Exclusion(String control, String environment, String template, String resource, String clearedBy,
                            String reason) {

        boolean matches(String env, GuardCheck.Failure failure) {
            return environment.equals(env) && control.equals(failure.control()) && template.equals(failure.template())
                    && resource.equals(failure.resource());
        }
    }

    private final String source;
    private final List<Exclusion> entries;

    public Exclusions(String source, List<Exclusion> entries) {
        this.source = source;
        this.entries = List.copyOf(entries);
    }

    /** Loads the repository's exclusions file. */
    public static Exclusions load(Path repoRoot) {
        return parse(PATH, Templates.readYaml(repoRoot.resolve(PATH)));
    }

    /** Parses an exclusions document; {@code source} names it in errors. */
    public static Exclusions parse(String source, JsonNode root) {
        JsonNode list = root.path("exclusions");
        if (!root.isObject() || !list.isArray()) {
            throw new CheckException(source + ": expected a mapping with a list `exclusions` (use `exclusions: []` for none)");
        }
        root.fieldNames().forEachRemaining(key -> {
            if (!key.equals("exclusions")) {
                throw new CheckException(source + ": unknown key `" + key + "`; the only key is `exclusions`");
            }
        });
        List<Exclusion> entries = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode e = list.get(i);
            String where = source + ": exclusions[" + i + "]";
            if (!e.isObject()) {
                throw new CheckException(where + ": expected a mapping with " + String.join(", ", sortedFields()));
            }
            e.fieldNames().forEachRemaining(key -> {
                if (!FIELDS.contains(key)) {
                    throw new CheckException(where + ": unknown key `" + key + "`; allowed: " + String.join(", ", sortedFields()));
                }
            });
            for (String field : sortedFields()) {
                if (!e.path(field).isTextual() || e.path(field).asText().isBlank()) {
                    throw new CheckException(where + ": `" + field + "` is required (a non-empty string); each exclusion needs "
                            + String.join(", ", sortedFields()));
                }
            }
            Exclusion exclusion = new Exclusion(e.get("control").asText().trim(), e.get("environment").asText().trim(),
                    e.get("template").asText().trim(), e.get("resource").asText().trim(),
                    e.get("clearedBy").asText().trim(), e.get("reason").asText().trim());
            if (!seen.add(exclusion.environment() + "|" + exclusion.control() + "|" + exclusion.template() + "|"
                    + exclusion.resource())) {
                throw new CheckException(where + ": duplicate exclusion of " + exclusion.control() + " for "
                        + exclusion.template() + " " + exclusion.resource() + " in " + exclusion.environment());
            }
            entries.add(exclusion);
        }
        return new Exclusions(source, entries);
    }

    private static List<String> sortedFields() {
        return List.of("control", "environment", "template", "resource", "clearedBy", "reason");
    }

    public List<Exclusion> entries() {
        return entries;
    }

    /** The entries for one environment. */
    public List<Exclusion> entries(String environment) {
        return entries.stream().filter(e -> e.environment().equals(environment)).toList();
    }

    /**
     * The findings left after applying one environment's exclusions to the failures of its resolved
     * templates: every failure no exclusion covers, and every exclusion of that environment that covers
     * no failure. Findings name the template as {@code <environment>/<template>}.
     */
    public List<Finding> apply(String environment, List<GuardCheck.Failure> failures) {
        List<Finding> findings = new ArrayList<>();
        for (GuardCheck.Failure failure : failures) {
            if (entries.stream().noneMatch(e -> e.matches(environment, failure))) {
                Finding f = failure.toFinding();
                findings.add(new Finding(f.check(), environment + "/" + f.template(), f.location(), f.message()
                        + " (fix the template or the " + environment + " environment; if it cannot pass there by design, "
                        + "add an exclusion with the reason to " + source + ")"));
            }
        }
        for (Exclusion exclusion : entries(environment)) {
            if (failures.stream().noneMatch(f -> exclusion.matches(environment, f))) {
                findings.add(new Finding("guard", environment + "/" + exclusion.template(),
                        exclusion.resource().equals(GuardCheck.TEMPLATE_LEVEL) ? exclusion.resource() : "Resources." + exclusion.resource(),
                        "stale exclusion: " + exclusion.control() + " no longer fails here; remove it from " + source));
            }
        }
        findings.sort(Finding.ORDER);
        return findings;
    }
}
