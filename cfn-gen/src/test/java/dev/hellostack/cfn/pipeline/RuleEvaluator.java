package dev.hellostack.cfn.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Evaluates GitLab {@code rules} the way GitLab does for the small subset of expressions the
 * pipeline uses: {@code $VAR}, {@code $VAR == "text"}, {@code $VAR == $OTHER}, the same with
 * {@code !=}, terms joined by {@code &&}, {@code changes: paths} (with {@code compare_to}) and
 * {@code when}. Anything else fails loudly, so the
 * pipeline's rules stay simple or this evaluator grows with them.
 */
final class RuleEvaluator {

    private static final Pattern DEFINED = Pattern.compile("^\\$(\\w+)$");
    private static final Pattern EQUALS =
            Pattern.compile("^\\$(\\w+)\\s*(==|!=)\\s*(?:\"([^\"]*)\"|\\$(\\w+))$");

    private final Map<String, String> variables;
    private final Set<String> changedFiles;

    /**
     * @param variables the predefined variables of the pipeline (an absent key is an undefined
     *     variable)
     * @param changedFiles the files the merge request changes compared to the default branch
     */
    RuleEvaluator(Map<String, String> variables, Set<String> changedFiles) {
        this.variables = variables;
        this.changedFiles = changedFiles;
    }

    /** Whether a job (or the workflow) with these rules is in the pipeline. */
    boolean included(JsonNode rules) {
        if (rules == null || rules.isMissingNode() || rules.isNull()) {
            return true;
        }
        for (JsonNode rule : rules) {
            if (matches(rule)) {
                return !"never".equals(rule.path("when").asText("on_success"));
            }
        }
        return false;
    }

    private boolean matches(JsonNode rule) {
        for (var it = rule.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!List.of("if", "changes", "when").contains(key)) {
                throw new IllegalArgumentException("rule keyword '" + key + "' is not supported by this test: " + rule);
            }
        }
        JsonNode condition = rule.get("if");
        if (condition != null && !evaluate(condition.asText())) {
            return false;
        }
        JsonNode changes = rule.get("changes");
        return changes == null || changesMatch(changes);
    }

    boolean evaluate(String expression) {
        if (expression.contains("||") || expression.contains("(")) {
            throw unsupported(expression);
        }
        for (String term : expression.split("&&", -1)) {
            if (!evaluateTerm(term, expression)) {
                return false;
            }
        }
        return true;
    }

    private boolean evaluateTerm(String term, String expression) {
        String e = term.strip();
        Matcher m = DEFINED.matcher(e);
        if (m.matches()) {
            String value = variables.get(m.group(1));
            return value != null && !value.isEmpty();
        }
        m = EQUALS.matcher(e);
        if (m.matches()) {
            String left = variables.get(m.group(1));
            String right = m.group(3) != null ? m.group(3) : variables.get(m.group(4));
            // GitLab compares undefined variables as null: two undefined ones are equal.
            boolean equal = left == null ? right == null : left.equals(right);
            return m.group(2).equals("==") == equal;
        }
        throw unsupported(expression);
    }

    private static IllegalArgumentException unsupported(String expression) {
        return new IllegalArgumentException(
                "rule expression '" + expression + "' is not supported by this test; keep rules to"
                        + " $VAR, $VAR == \"text\", $VAR == $OTHER, != and &&");
    }

    private boolean changesMatch(JsonNode changes) {
        JsonNode paths = changes.isArray() ? changes : changes.path("paths");
        if (!paths.isArray() || paths.isEmpty()) {
            throw new IllegalArgumentException("changes needs a list of paths: " + changes);
        }
        List<Pattern> globs = new ArrayList<>();
        for (JsonNode path : paths) {
            globs.add(glob(path.asText()));
        }
        return changedFiles.stream().anyMatch(f -> globs.stream().anyMatch(g -> g.matcher(f).matches()));
    }

    /** GitLab's glob (Ruby File.fnmatch with FNM_PATHNAME and FNM_DOTMATCH) as a regex. */
    static Pattern glob(String glob) {
        StringBuilder re = new StringBuilder();
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            if (glob.startsWith("**/", i)) {
                re.append("(?:.*/)?");
                i += 2;
            } else if (c == '*') {
                re.append("[^/]*");
            } else if (c == '?') {
                re.append("[^/]");
            } else {
                re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(re.toString());
    }
}
