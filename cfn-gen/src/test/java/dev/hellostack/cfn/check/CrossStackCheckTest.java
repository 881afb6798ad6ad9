package dev.hellostack.cfn.check;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CrossStackCheckTest {

    /** Runs the check on fixture check/crossstack/{name}, laid out like a repository (templates/...). */
    private static List<String> findings(String name) {
        return new CrossStackCheck().check(Fixtures.path("crossstack/" + name)).stream().map(Finding::toString).toList();
    }

    @Test
    void importsOfEarlierStacksPass() {
        assertEquals(List.of(), findings("ok"));
    }

    @Test
    void anImportFromALaterStackFails() {
        assertEquals(List.of("service.yaml: Resources.TaskSecurityGroup.Properties.VpcId.Fn::ImportValue: imports "
                        + "${AppName}-${EnvName}-VpcId from network (network.yaml), which is deployed after service; "
                        + "deploy order: ecr -> service -> network"),
                findings("later"));
    }

    @Test
    void anImportNobodyExportsADuplicateExportAndASelfImportFail() {
        assertEquals(List.of(
                        "network.yaml: Outputs.Self.Value.Fn::ImportValue: imports literal-export-name, which this stack "
                                + "exports itself (Outputs.Unused); use a Ref or GetAtt instead",
                        "service.yaml: Outputs.Repo.Export.Name: export name ${AppName}-${EnvName}-RepositoryUri is already "
                                + "exported by ecr.yaml (Outputs.RepositoryUri); CloudFormation rejects duplicate export names",
                        "service.yaml: Resources.TaskSecurityGroup.Properties.VpcId.Fn::ImportValue: imports "
                                + "${AppName}-${EnvName}-VpcIdentifier, which no stack exports"),
                findings("unexported"));
    }

    @Test
    void exportsAndImportsListedInStacksJsonMustMatchTheTemplates() {
        assertEquals(List.of(
                        "stacks.json: stacks[1].exports: lists [${AppName}-${EnvName}-VpcId] for network, but network.yaml "
                                + "exports [${AppName}-${EnvName}-VpcId, literal-export-name]",
                        "stacks.json: stacks[2].imports: lists [${AppName}-${EnvName}-RepositoryUri] for service, but "
                                + "service.yaml imports [${AppName}-${EnvName}-RepositoryUri, ${AppName}-${EnvName}-VpcId]"),
                findings("declared"));
    }

    @Test
    void templatesWithoutADeployOrderFail() {
        assertEquals(List.of("stacks.json: (file): templates/stacks.json is missing, but templates/ has 1 template(s); "
                + "the generator must write the deploy order there"), findings("missing-order"));
    }

    @Test
    void aTemplateMissingFromTheDeployOrderFails() {
        assertEquals(List.of("extra.yaml: (file): the template is not in the deploy order in templates/stacks.json"),
                findings("unlisted"));
    }

    @Test
    void aListedTemplateThatDoesNotExistFails(@TempDir Path root) throws IOException {
        Files.createDirectories(root.resolve("templates"));
        Files.writeString(root.resolve("templates/stacks.json"),
                "{\"stacks\":[{\"name\":\"ecr\",\"template\":\"templates/ecr.yaml\"}]}");
        assertEquals(List.of("stacks.json: stacks[0].template: templates/ecr.yaml does not exist"),
                new CrossStackCheck().check(root).stream().map(Finding::toString).toList());
    }

    @Test
    void nothingToCheckWithoutTemplatesOrDeployOrder(@TempDir Path root) {
        assertEquals(List.of(), new CrossStackCheck().check(root));
    }
}
