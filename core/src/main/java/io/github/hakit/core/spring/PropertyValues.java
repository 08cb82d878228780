package io.github.hakit.core.spring;

import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Hands bound property values to hakit's builders so that a value a builder refuses stops start-up with the
 * <em>property's</em> name, not the builder's ({@code connectTimeout <= 0: PT-1S} alone does not tell a Spring user
 * which of a dozen keys to fix). Found by {@code PropertiesFuzzTest}.
 *
 * <pre>{@code
 * FastDfsClient.Builder b = FastDfsClient.builder();
 * PropertyValues.set("hakit.fastdfs.connect-timeout", p.getConnectTimeout(), b::connectTimeout);
 * PoolConfig pool = PropertyValues.check("hakit.fastdfs.pool", () -> new PoolConfig(...));
 * }</pre>
 */
public final class PropertyValues {
    private PropertyValues() {
    }

    /**
     * Passes {@code value} to {@code setter}; an {@link IllegalArgumentException} (or a {@link NullPointerException}
     * for an empty value) from it becomes an {@link InvalidPropertyException} naming {@code property}.
     */
    public static <T> void set(String property, T value, Consumer<? super T> setter) {
        try {
            setter.accept(value);
        } catch (InvalidPropertyException e) {
            throw e;
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new InvalidPropertyException(property, String.valueOf(value), reason(e), expected(property));
        }
    }

    /**
     * Runs a conversion that reads several properties under {@code prefix} (a group such as
     * {@code hakit.rabbit.health-check}); an {@link IllegalArgumentException} from it becomes an
     * {@link InvalidPropertyException} naming the group, with the builder's message saying which value and why.
     */
    public static <T> T check(String prefix, Supplier<T> conversion) {
        try {
            return conversion.get();
        } catch (InvalidPropertyException e) {
            throw e;
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new InvalidPropertyException(prefix, "(the values set under it)", reason(e), expected(prefix + ".*"));
        }
    }

    private static String reason(RuntimeException e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }

    private static String expected(String property) {
        return "a value within the bounds the description of " + property + " gives (IDE metadata, module README)";
    }
}
