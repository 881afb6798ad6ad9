package dev.hellostack.cfn.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.util.StringQuotingChecker;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.nodes.NodeId;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * Writes a {@link Template} as CloudFormation YAML: no document-start marker, block style, strings
 * quoted only where YAML would otherwise read them as something else (numbers, booleans, null,
 * '*', ': '), multi-line strings as literal blocks, no line folding. Same model, same bytes.
 */
public final class TemplateWriter {

    private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
            .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)
            .enable(YAMLGenerator.Feature.LITERAL_BLOCK_STYLE)
            .disable(YAMLGenerator.Feature.SPLIT_LINES)
            .stringQuotingChecker(new TypedScalarQuoting())
            .build())
            .disable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    private TemplateWriter() {
    }

    /**
     * Quotes every string a YAML 1.1 reader would otherwise take for another type: on top of
     * Jackson's own rules (booleans, null, numbers, special characters), anything the SnakeYAML
     * resolver reads as non-string, such as the date {@code 2010-09-09} or the sexagesimal {@code 1:30}.
     */
    static final class TypedScalarQuoting extends StringQuotingChecker.Default {
        private static final long serialVersionUID = 1L;
        private static final Resolver RESOLVER = new Resolver();

        @Override
        public boolean needToQuoteValue(String value) {
            return super.needToQuoteValue(value) || !Tag.STR.equals(RESOLVER.resolve(NodeId.scalar, value, true));
        }

        @Override
        public boolean needToQuoteName(String name) {
            return super.needToQuoteName(name) || !Tag.STR.equals(RESOLVER.resolve(NodeId.scalar, name, true));
        }
    }

    public static String toYaml(Template template) {
        return writeYaml(template.toCfn());
    }

    /** Writes plain data (as returned by {@link Values#plain}) as YAML, with '\n' line ends. */
    public static String writeYaml(Object plain) {
        String raw;
        try {
            raw = YAML.writeValueAsString(plain).replace("\r\n", "\n");
        } catch (JsonProcessingException e) {
            throw new TemplateException("cannot write YAML: " + e.getMessage());
        }
        String compact = compactNestedSequences(raw);
        Yaml reader = new Yaml();
        if (!Objects.equals(reader.load(raw), reader.load(compact))) {
            throw new IllegalStateException("compacting nested sequences changed the YAML's meaning:\n" + compact);
        }
        return compact;
    }

    private static final Pattern NESTED_SEQUENCE = Pattern.compile("^( *)-   - ");

    /**
     * Jackson writes a list inside a list as {@code "-   - a"} with the inner items four columns in;
     * this rewrites it to the usual {@code "- - a"} and moves the inner block two columns left, so
     * linters (yamllint's hyphens rule) accept it. {@link #writeYaml} checks the meaning is unchanged.
     */
    static String compactNestedSequences(String yaml) {
        List<String> lines = new ArrayList<>(List.of(yaml.split("\n", -1)));
        boolean changed = true;
        while (changed) {
            changed = false;
            for (int i = 0; i < lines.size(); i++) {
                Matcher m = NESTED_SEQUENCE.matcher(lines.get(i));
                if (!m.find()) {
                    continue;
                }
                int indent = m.group(1).length();
                lines.set(i, m.group(1) + "- - " + lines.get(i).substring(m.end()));
                for (int j = i + 1; j < lines.size(); j++) {
                    String line = lines.get(j);
                    if (line.isEmpty() || leadingSpaces(line) < indent + 4) {
                        break;
                    }
                    lines.set(j, line.substring(2));
                }
                changed = true;
            }
        }
        return String.join("\n", lines);
    }

    private static int leadingSpaces(String line) {
        int n = 0;
        while (n < line.length() && line.charAt(n) == ' ') {
            n++;
        }
        return n;
    }
}
