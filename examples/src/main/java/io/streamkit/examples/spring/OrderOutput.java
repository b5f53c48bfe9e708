package io.streamkit.examples.spring;

import java.util.function.Consumer;

/** Where the example prints its lines: standard output when run, a buffer in its test. */
@FunctionalInterface
public interface OrderOutput extends Consumer<String> {}
