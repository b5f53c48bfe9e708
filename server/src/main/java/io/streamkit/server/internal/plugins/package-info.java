/**
 * Not API: loading handler and security plug-ins listed in {@code META-INF/services} files ({@link
 * java.util.ServiceLoader}'s format, read here so that every failure names the jar and the class), from the class
 * path or a {@code --plugins} folder of jars. Anything here may change without notice.
 */
package io.streamkit.server.internal.plugins;
