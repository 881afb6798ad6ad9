package dev.hellostack.cfn.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class UnifiedDiffTest {

    @Test
    void equalTextsHaveNoDiff() {
        assertEquals("", UnifiedDiff.diff("a", "x\ny\n", "b", "x\ny\n"));
    }

    @Test
    void showsAChangedLineWithContext() {
        String before = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
        String after = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n";
        assertEquals("""
                --- committed
                +++ generated
                @@ -2,7 +2,7 @@
                 2
                 3
                 4
                -5
                +five
                 6
                 7
                 8
                """, UnifiedDiff.diff("committed", before, "generated", after));
    }

    @Test
    void farApartChangesGetSeparateHunks() {
        StringBuilder before = new StringBuilder();
        for (int i = 1; i <= 20; i++) {
            before.append(i).append('\n');
        }
        String after = before.toString().replace("2\n", "two\n").replace("19\n", "nineteen\n");
        String diff = UnifiedDiff.diff("a", before.toString(), "b", after);
        assertEquals(2, diff.split("\n@@ ", -1).length - 1, diff);
        assertTrue(diff.contains("@@ -1,5 +1,5 @@\n 1\n-2\n+two\n"), diff);
        assertTrue(diff.contains("-19\n+nineteen\n 20\n"), diff);
    }

    @Test
    void missingFileShowsEveryLineAdded() {
        assertEquals("--- a\n+++ b\n@@ -1,0 +1,2 @@\n+x\n+y\n", UnifiedDiff.diff("a", "", "b", "x\ny\n"));
    }
}
