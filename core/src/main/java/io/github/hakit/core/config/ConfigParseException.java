package io.github.hakit.core.config;

/**
 * A configuration line that could not be parsed; the message names the bad token and its line and column
 * (1-based), e.g. {@code invalid parameter "wieght=2" at line 2, column 17} for {@code "upstream u {\n    server a:80 wieght=2;\n}"}.
 */
public class ConfigParseException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final int line;
    private final int column;

    public ConfigParseException(String message, int line, int column) {
        super(message + " at line " + line + ", column " + column);
        this.line = line;
        this.column = column;
    }

    /** 1-based line of the bad token. */
    public int line() {
        return line;
    }

    /** 1-based column of the bad token. */
    public int column() {
        return column;
    }
}
