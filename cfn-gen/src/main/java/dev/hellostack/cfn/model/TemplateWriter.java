package dev.hellostack.cfn.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.util.StringQuotingChecker;
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
        try {
            return YAML.writeValueAsString(plain).replace("\r\n", "\n");
        } catch (JsonProcessingException e) {
            throw new TemplateException("cannot write YAML: " + e.getMessage());
        }
    }
}
