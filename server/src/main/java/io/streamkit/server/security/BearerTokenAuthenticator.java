package io.streamkit.server.security;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusException;
import io.streamkit.api.v1.ErrorReason;
import io.streamkit.server.ErrorDetails;
import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLSession;

/**
 * Authenticates calls by the bearer token in their {@code authorization: Bearer <token>} header, against a
 * fixed table of tokens, each naming its principal (scheme {@link Principal#BEARER}).
 *
 * <p>The token file ({@link #fromFile(Path)}) is UTF-8 text, one {@code token principal-name} per line,
 * separated by whitespace; the principal name is the rest of the line. Blank lines and lines starting with
 * {@code #} are ignored. The file is read once, when this authenticator is created: edit it and restart to
 * change tokens.
 *
 * <p>A call without the header fails with UNAUTHENTICATED "missing bearer token: send 'authorization: Bearer
 * &lt;token&gt;'" (reason CREDENTIALS_MISSING); a token not in the table with UNAUTHENTICATED "unknown bearer
 * token" (reason CREDENTIALS_REJECTED); both with metadata {@code scheme=bearer}. Tokens are compared
 * in constant time (each presented token is hashed and compared with every entry, without an early exit), so
 * response times do not reveal how much of a guess was right. Neither the tokens nor their hashes are ever
 * logged or put in an error message.
 *
 * <p>Immutable and thread-safe; share one instance.
 */
public final class BearerTokenAuthenticator implements Authenticator {
  static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final String PREFIX = "bearer ";

  private final List<Entry> entries;

  private record Entry(byte[] digest, Principal principal) {}

  private BearerTokenAuthenticator(List<Entry> entries) {
    this.entries = List.copyOf(entries);
  }

  /**
   * Reads the token table from {@code file} (format in the class javadoc).
   *
   * @throws IllegalArgumentException naming the file, and the line when one is malformed: the file cannot be
   *     read, a line has no principal name, a token appears twice, or the file holds no token at all
   */
  public static BearerTokenAuthenticator fromFile(Path file) {
    if (file == null) {
      throw new IllegalArgumentException("authTokens: null (expected: a token file)");
    }
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (MalformedInputException e) {
      throw new IllegalArgumentException("token file " + file + " is not UTF-8 text", e);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "token file " + file + " cannot be read (expected: a readable file): " + e, e);
    }
    List<Entry> entries = new ArrayList<>();
    Map<String, Integer> lineOfDigest = new HashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String where = "token file " + file + " line " + (i + 1) + ": ";
      String[] fields = line.split("\\s+", 2);
      if (fields.length < 2) {
        // The line is likely a bare token: do not echo it.
        throw new IllegalArgumentException(
            where + "one field (expected: 'token principal-name', separated by whitespace)");
      }
      byte[] digest = sha256(fields[0]);
      Integer earlier = lineOfDigest.putIfAbsent(hex(digest), i + 1);
      if (earlier != null) {
        throw new IllegalArgumentException(where + "the token of line " + earlier
            + " appears again (expected: each token once, naming one principal)");
      }
      entries.add(new Entry(digest, new Principal(fields[1].strip(), Principal.BEARER)));
    }
    if (entries.isEmpty()) {
      throw new IllegalArgumentException(
          "token file " + file + " holds no token (expected: lines of 'token principal-name'); every call"
              + " would be refused");
    }
    return new BearerTokenAuthenticator(entries);
  }

  /**
   * A table given in code: token to principal name.
   *
   * @throws IllegalArgumentException if {@code tokens} is empty, or a token or name is blank
   */
  public static BearerTokenAuthenticator of(Map<String, String> tokens) {
    if (tokens == null || tokens.isEmpty()) {
      throw new IllegalArgumentException("tokens: " + tokens + " (expected: at least one token)");
    }
    List<Entry> entries = new ArrayList<>();
    tokens.forEach((token, name) -> {
      if (token == null || token.isBlank() || token.chars().anyMatch(Character::isWhitespace)) {
        throw new IllegalArgumentException(
            "tokens: a token for '" + name + "' is blank or holds whitespace (expected: a non-blank word)");
      }
      entries.add(new Entry(sha256(token), new Principal(name, Principal.BEARER)));
    });
    return new BearerTokenAuthenticator(entries);
  }

  /** How many tokens the table holds. */
  public int size() {
    return entries.size();
  }

  @Override
  public Principal authenticate(Metadata headers, Optional<SSLSession> tls) throws StatusException {
    String value = headers.get(AUTHORIZATION);
    if (value == null) {
      throw refused(ErrorReason.CREDENTIALS_MISSING, "missing bearer token: send 'authorization: Bearer <token>'");
    }
    if (!value.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
      int space = value.indexOf(' ');
      String scheme = space < 0 ? "(none)" : value.substring(0, space).toLowerCase(Locale.ROOT);
      throw refused(ErrorReason.CREDENTIALS_MISSING,
          "authorization scheme '" + scheme + "' is not supported: send 'authorization: Bearer <token>'");
    }
    byte[] presented = sha256(value.substring(PREFIX.length()).strip());
    Principal found = null;
    for (Entry e : entries) {
      // No early exit: every entry is compared, so timing does not tell which (or whether one) matched.
      if (MessageDigest.isEqual(e.digest, presented)) {
        found = e.principal;
      }
    }
    if (found == null) {
      throw refused(ErrorReason.CREDENTIALS_REJECTED, "unknown bearer token");
    }
    return found;
  }

  private static StatusException refused(ErrorReason reason, String description) {
    return ErrorDetails.withReason(Status.UNAUTHENTICATED.withDescription(description), reason,
        Map.of("scheme", Principal.BEARER)).asException();
  }

  private static byte[] sha256(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  private static String hex(byte[] bytes) {
    StringBuilder s = new StringBuilder(bytes.length * 2);
    for (byte b : bytes) {
      s.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
    }
    return s.toString();
  }

  @Override
  public String toString() {
    return "BearerTokenAuthenticator{" + entries.size() + " token(s)}";
  }
}
