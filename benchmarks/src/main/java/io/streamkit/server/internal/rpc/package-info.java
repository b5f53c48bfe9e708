/**
 * JMH microbenchmarks of the server's hot paths. They live in the server's internal.rpc package (split across
 * modules on the class path) because the types they measure are package-private. Not API; run with
 * {@code java -cp benchmarks/target/streamkit-bench.jar org.openjdk.jmh.Main}. The benchmark classes are public and
 * not final because JMH's generated code subclasses them.
 */
package io.streamkit.server.internal.rpc;
