package dev.hellostack.cfn;

import dev.hellostack.cfn.changeset.ChangeSetSummary;
import dev.hellostack.cfn.generate.GenerateCommand;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The cfn-gen command line: {@code java -jar cfn-gen.jar [SUBCOMMAND] [ARGS...]}.
 * Without a subcommand (or when the first argument is an option) it runs {@code generate}.
 */
public final class Main {

    /** A subcommand: gets its own arguments, returns the process exit code. */
    @FunctionalInterface
    public interface Command {
        int run(List<String> args, PrintStream out, PrintStream err);
    }

    /** Subcommands by name, in the order usage lists them. */
    static final Map<String, Command> COMMANDS = new LinkedHashMap<>();

    static {
        COMMANDS.put("generate", GenerateCommand::run);
        // ---- SUBCOMMAND REGISTRATION: add further subcommands here, one line each. ----
        COMMANDS.put("changeset-summary", ChangeSetSummary::run);
    }

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(Arrays.asList(args), System.out, System.err));
    }

    public static int run(List<String> args, PrintStream out, PrintStream err) {
        if (args.size() == 1 && (args.get(0).equals("-h") || args.get(0).equals("--help"))) {
            out.print(usage());
            return 0;
        }
        if (!args.isEmpty() && !args.get(0).startsWith("-")) {
            Command command = COMMANDS.get(args.get(0));
            if (command == null) {
                err.println("error: unknown subcommand '" + args.get(0) + "' (known: " + String.join(", ", COMMANDS.keySet()) + ")");
                err.print(usage());
                return 2;
            }
            return command.run(args.subList(1, args.size()), out, err);
        }
        return GenerateCommand.run(args, out, err);
    }

    static String usage() {
        return GenerateCommand.USAGE + "subcommands (the first argument; generate is the default): "
                + String.join(", ", COMMANDS.keySet()) + "\n";
    }
}
