package io.streamkit.server.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BearerTokenAuthenticatorTest {
  @TempDir Path dir;

  private Path file(String text) throws Exception {
    Path f = dir.resolve("tokens.txt");
    Files.writeString(f, text);
    return f;
  }

  private static Metadata authorization(String value) {
    Metadata headers = new Metadata();
    headers.put(BearerTokenAuthenticator.AUTHORIZATION, value);
    return headers;
  }

  private static Status refusal(BearerTokenAuthenticator tokens, Metadata headers) {
    try {
      tokens.authenticate(headers, Optional.empty());
    } catch (StatusException e) {
      return e.getStatus();
    }
    throw new AssertionError("expected the call to be refused");
  }

  @Test
  void aFileMapsTokensToPrincipalsSkippingCommentsAndBlankLines() throws Exception {
    BearerTokenAuthenticator tokens = BearerTokenAuthenticator.fromFile(file("""
        # ops tokens
        tok-alice   alice

          tok-svc\tbilling service
        """));

    assertThat(tokens.size()).isEqualTo(2);
    assertThat(tokens.authenticate(authorization("Bearer tok-alice"), Optional.empty()))
        .isEqualTo(new Principal("alice", "bearer"));
    assertThat(tokens.authenticate(authorization("bearer tok-svc"), Optional.empty()))
        .as("the scheme is case-insensitive; the principal name is the rest of the line")
        .isEqualTo(new Principal("billing service", "bearer"));
  }

  @Test
  void missingUnknownAndNonBearerCredentialsAreRefusedWithUnauthenticated() throws Exception {
    BearerTokenAuthenticator tokens = BearerTokenAuthenticator.fromFile(file("tok-alice alice\n"));

    assertThat(refusal(tokens, new Metadata()).getDescription())
        .isEqualTo("missing bearer token: send 'authorization: Bearer <token>'");
    assertThat(refusal(tokens, authorization("Bearer tok-alicE")).getDescription()).isEqualTo("unknown bearer token");
    assertThat(refusal(tokens, authorization("Basic YWxpY2U6cHc=")).getDescription())
        .isEqualTo("authorization scheme 'basic' is not supported: send 'authorization: Bearer <token>'");
    assertThat(refusal(tokens, new Metadata()).getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
  }

  @Test
  void aLineWithoutAPrincipalNamesTheFileAndLineButNotTheToken() throws Exception {
    Path f = file("# header\ntok-alice alice\nlonely-secret-token\n");

    assertThatThrownBy(() -> BearerTokenAuthenticator.fromFile(f))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("token file " + f + " line 3: one field (expected: 'token principal-name', separated by"
            + " whitespace)")
        .hasMessageNotContaining("lonely-secret-token");
  }

  @Test
  void aRepeatedTokenIsRejectedNamingBothLines() throws Exception {
    Path f = file("tok alice\ntok bob\n");

    assertThatThrownBy(() -> BearerTokenAuthenticator.fromFile(f))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("line 2: the token of line 1 appears again");
  }

  @Test
  void anEmptyOrMissingFileIsRejectedNamingIt() throws Exception {
    Path empty = file("# nothing yet\n");
    Path missing = dir.resolve("nope.txt");

    assertThatThrownBy(() -> BearerTokenAuthenticator.fromFile(empty))
        .hasMessageContaining("token file " + empty + " holds no token");
    assertThatThrownBy(() -> BearerTokenAuthenticator.fromFile(missing))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("token file " + missing + " cannot be read");
  }
}
