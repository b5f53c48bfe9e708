package io.streamkit.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * streamkit-bom cannot drift from the build: it lists exactly the modules that are published (not marked
 * maven.deploy.skip), and the grpc-java, protobuf and Netty versions the build uses.
 */
class BomTest {
  private static final Path ROOT = Path.of("..");

  @Test
  void theBomListsEveryPublishedModuleAndNothingElse() throws Exception {
    Document parent = read(ROOT.resolve("pom.xml"));
    Set<String> published = new TreeSet<>();
    Set<String> unpublished = new TreeSet<>();
    for (String module : texts(parent.getDocumentElement(), "modules", "module")) {
      Document pom = read(ROOT.resolve(module).resolve("pom.xml"));
      String artifactId = text(pom.getDocumentElement(), "artifactId");
      if (artifactId.equals("streamkit-bom")) {
        continue;
      }
      boolean skip = "true".equals(text(pom.getDocumentElement(), "properties", "maven.deploy.skip"));
      (skip ? unpublished : published).add(artifactId);
    }
    assertThat(published).contains("streamkit-api", "streamkit-client", "streamkit-server", "streamkit-server-app",
        "streamkit-spring-boot-starter");
    assertThat(unpublished).contains("streamkit-testing", "streamkit-examples", "streamkit-integration-tests");

    Element bom = read(ROOT.resolve("bom/pom.xml")).getDocumentElement();
    assertThat(child(bom, "parent")).as("the BOM inherits nothing").isNull();
    Set<String> listed = new TreeSet<>();
    for (Element dependency : elements(child(child(bom, "dependencyManagement"), "dependencies"), "dependency")) {
      if (text(dependency, "groupId").equals("io.streamkit")) {
        listed.add(text(dependency, "artifactId"));
        assertThat(text(dependency, "version")).isEqualTo("${project.version}");
      }
    }
    assertThat(listed).isEqualTo(published);
    assertThat(text(bom, "version")).isEqualTo(text(parent.getDocumentElement(), "version"));
  }

  @Test
  void theBomNamesTheGrpcProtobufAndNettyVersionsTheBuildUses() throws Exception {
    Element parent = read(ROOT.resolve("pom.xml")).getDocumentElement();
    Element bom = read(ROOT.resolve("bom/pom.xml")).getDocumentElement();
    for (String property : List.of("grpc.version", "protobuf.version", "netty.version")) {
      assertThat(text(bom, "properties", property)).as(property)
          .isNotBlank().isEqualTo(text(parent, "properties", property));
    }
  }

  @Test
  void theBomCarriesTheMetadataMavenCentralRequires() throws Exception {
    // The parent's release profile checks every module that inherits it; the BOM inherits nothing.
    Element bom = read(ROOT.resolve("bom/pom.xml")).getDocumentElement();
    for (String[] path : List.of(new String[] {"name"}, new String[] {"description"}, new String[] {"url"},
        new String[] {"licenses", "license", "name"}, new String[] {"developers", "developer", "name"},
        new String[] {"scm", "url"}, new String[] {"scm", "connection"})) {
      assertThat(text(bom, path)).as(String.join("/", path)).isNotBlank();
    }
  }

  private static Document read(Path pom) throws Exception {
    return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile());
  }

  /** The text of the element at {@code path} below {@code from} (direct children only), or null. */
  private static String text(Element from, String... path) {
    Element e = from;
    for (String name : path) {
      e = e == null ? null : child(e, name);
    }
    return e == null ? null : e.getTextContent().trim();
  }

  private static List<String> texts(Element from, String container, String name) {
    List<String> out = new ArrayList<>();
    for (Element e : elements(child(from, container), name)) {
      out.add(e.getTextContent().trim());
    }
    return out;
  }

  private static Element child(Element parent, String name) {
    List<Element> found = elements(parent, name);
    return found.isEmpty() ? null : found.get(0);
  }

  private static List<Element> elements(Element parent, String name) {
    List<Element> out = new ArrayList<>();
    NodeList children = parent.getChildNodes();
    for (int i = 0; i < children.getLength(); i++) {
      Node n = children.item(i);
      if (n instanceof Element e && e.getTagName().equals(name)) {
        out.add(e);
      }
    }
    return out;
  }
}
