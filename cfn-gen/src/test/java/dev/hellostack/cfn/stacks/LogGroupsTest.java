package dev.hellostack.cfn.stacks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.hellostack.cfn.model.TemplateWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Logs outlive their stack: every log group of every stack is kept on delete and on replacement. */
class LogGroupsTest {

    @Test
    void everyLogGroupKeepsItsLogsWhenItsStackIsDeletedOrItIsReplaced() throws Exception {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        List<String> groups = new ArrayList<>();
        for (Stack stack : Stacks.all()) {
            JsonNode resources = yaml.readTree(TemplateWriter.toYaml(stack.template())).path("Resources");
            resources.properties().forEach(e -> {
                if (e.getValue().path("Type").asText().equals("AWS::Logs::LogGroup")) {
                    String where = stack.name() + "/" + e.getKey();
                    groups.add(where);
                    // RetainExceptOnCreate: a failed first create still removes the group, so the
                    // pipeline can create the stack again under the same group name.
                    assertEquals("RetainExceptOnCreate", e.getValue().path("DeletionPolicy").asText(), where);
                    assertEquals("Retain", e.getValue().path("UpdateReplacePolicy").asText(), where);
                }
            });
        }
        assertTrue(groups.containsAll(List.of("network/FlowLogGroup", "service/LogGroup")), groups.toString());
    }
}
