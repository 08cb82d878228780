package io.github.hakit.examples.dubbo;

/** The tour's Dubbo service: answers which provider served the call. */
public interface Where {
    /** "a1", "a2" or "b1". */
    String whoAmI();
}
