package io.streamkit.server.broker;

/** The acknowledgement of one stored event: its topic, offset and epoch. */
public record Published(String topic, long offset, String epoch) {}
