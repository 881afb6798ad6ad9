package dev.hellostack.cfn.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GuardToolTest {

    @Test
    void theBuildInstallsThePinnedPackage() {
        GuardTool tool = GuardTool.ensureInstalled(Fixtures.repoRoot());
        String pinned = Templates.readJson(Fixtures.repoRoot().resolve("cfn-gen/guard/package.json"))
                .path("dependencies").path(GuardTool.PACKAGE).asText();
        assertEquals(pinned, tool.version());
        assertTrue(Files.isExecutable(tool.binary()), tool.binary().toString());
    }

    @Test
    void withoutNpmTheCheckFailsAndSaysHowToInstallIt(@TempDir Path root) throws IOException {
        Path guard = Files.createDirectories(root.resolve(GuardTool.GUARD_DIR));
        Files.copy(Fixtures.repoRoot().resolve("cfn-gen/guard/package.json"), guard.resolve("package.json"));
        Files.copy(Fixtures.repoRoot().resolve("cfn-gen/guard/package-lock.json"), guard.resolve("package-lock.json"));
        CheckException e = assertThrows(CheckException.class, () -> GuardTool.locate(root, "npm-is-not-installed-here"));
        assertTrue(e.getMessage().startsWith("npm-is-not-installed-here is not installed or not on the PATH"), e.getMessage());
        assertTrue(e.getMessage().contains("apt-get install nodejs npm"), e.getMessage());
    }
}
