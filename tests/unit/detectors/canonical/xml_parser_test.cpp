#include "detectors/canonical/xml_parser.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tests/unit/detectors/canonical/canonical_error_printer.h"

namespace rampart::canonical {
namespace {

const std::vector<std::string> kCharsets = {"utf-8", "us-ascii"};

FieldList parse(std::string_view text, const XmlPolicy& policy = {}) {
  FieldList out;
  INFO(text);
  REQUIRE(parseXml(text, policy, kCharsets, out) == CanonicalError::None);
  return out;
}

CanonicalError errorOf(std::string_view text, const XmlPolicy& policy = {}) {
  FieldList out;
  return parseXml(text, policy, kCharsets, out);
}

std::string describe(const FieldList& fields) {
  std::string out;
  for (const auto& f : fields) {
    out += fieldSourceName(f.source);
    out += ' ';
    out += f.name;
    out += '=';
    out += f.value;
    out += '\n';
  }
  return out;
}

TEST_CASE("xml: element and attribute names, text and attribute values", "[canonical]") {
  const std::string doc =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<order id=\"7\"><item sku=\"a&amp;b\">two &lt;three&gt;</item>\n  <note><![CDATA[' OR 1=1]]></note>"
      "<!-- hidden --><?php echo 1?></order>";
  REQUIRE(describe(parse(doc)) ==
          "xml_name order=order\n"
          "xml_name order/@id=id\n"
          "xml_value order/@id=7\n"
          "xml_name order/item=item\n"
          "xml_name order/item/@sku=sku\n"
          "xml_value order/item/@sku=a&b\n"
          "xml_value order/item=two <three>\n"
          "xml_name order/note=note\n"
          "xml_value order/note=' OR 1=1\n"
          "xml_value order/#comment= hidden \n"
          "xml_value order/?php=echo 1\n");
}

TEST_CASE("xml: namespaces keep their prefix; character references are decoded", "[canonical]") {
  const FieldList fields =
      parse("<s:Envelope xmlns:s=\"urn:x\"><s:Body a=\"&#x27;\">&#60;script&#62;</s:Body></s:Envelope>");
  REQUIRE(describe(fields) ==
          "xml_name s:Envelope=s:Envelope\n"
          "xml_name s:Envelope/s:Body=s:Body\n"
          "xml_name s:Envelope/s:Body/@a=a\n"
          "xml_value s:Envelope/s:Body/@a='\n"
          "xml_value s:Envelope/s:Body=<script>\n");
}

TEST_CASE("xml: XXE and DTDs are refused before anything expands", "[canonical]") {
  REQUIRE(errorOf("<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><r>&x;</r>") ==
          CanonicalError::XmlDoctypeForbidden);
  REQUIRE(errorOf("<!DOCTYPE r SYSTEM \"http://attacker.test/x.dtd\"><r/>") == CanonicalError::XmlDoctypeForbidden);
  REQUIRE(errorOf("<!DOCTYPE r><r/>") == CanonicalError::XmlDoctypeForbidden);
  const std::string billion_laughs =
      "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
      "<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
      "<!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">"
      "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]><lolz>&lol3;</lolz>";
  REQUIRE(errorOf(billion_laughs) == CanonicalError::XmlDoctypeForbidden);

  XmlPolicy lenient;
  lenient.doctype = DoctypePolicy::AllowWithoutEntities;
  REQUIRE(errorOf("<!DOCTYPE r><r>ok</r>", lenient) == CanonicalError::None);
  REQUIRE(errorOf("<!DOCTYPE r [<!ELEMENT r (#PCDATA)>]><r>ok</r>", lenient) == CanonicalError::None);
  REQUIRE(errorOf(billion_laughs, lenient) == CanonicalError::XmlEntityDeclaration);
  REQUIRE(errorOf("<!DOCTYPE r [<!ENTITY % p SYSTEM \"http://attacker.test/\"> %p;]><r/>", lenient) ==
          CanonicalError::XmlEntityDeclaration);
  REQUIRE(errorOf("<!DOCTYPE r [<!ATTLIST r admin CDATA \"true\">]><r/>", lenient) ==
          CanonicalError::XmlEntityDeclaration);
  REQUIRE(errorOf("<!DOCTYPE r SYSTEM \"x.dtd\"><r/>", lenient) == CanonicalError::XmlDoctypeForbidden);
  REQUIRE(errorOf("<!DOCTYPE r PUBLIC \"-//x//y\" \"x.dtd\"><r/>", lenient) == CanonicalError::XmlDoctypeForbidden);
}

TEST_CASE("xml: undeclared entities are syntax errors, not passed through", "[canonical]") {
  REQUIRE(errorOf("<r>&xxe;</r>") == CanonicalError::XmlSyntaxError);
}

TEST_CASE("xml: encoding games", "[canonical]") {
  REQUIRE(errorOf("<?xml version=\"1.0\" encoding=\"UTF-7\"?><r>+ADw-script+AD4-</r>") ==
          CanonicalError::XmlEncodingNotAllowed);
  REQUIRE(errorOf("<?xml version='1.0' encoding='ibm037'?><r/>") == CanonicalError::XmlEncodingNotAllowed);
  REQUIRE(errorOf("<?xml version=\"1.0\" encoding = \"utf-16\"?><r/>") == CanonicalError::XmlEncodingNotAllowed);
  REQUIRE(errorOf(std::string("\xFF\xFE<\0r\0/\0>\0", 10)) == CanonicalError::XmlInvalidUtf8);  // UTF-16LE
  REQUIRE(errorOf("<r>\xC0\xBC</r>") == CanonicalError::XmlInvalidUtf8);  // overlong '<'
  REQUIRE(errorOf("<?xml version=\"1.0\" encoding=\"us-ascii\"?><r/>") == CanonicalError::None);
}

TEST_CASE("xml: syntax and limits", "[canonical]") {
  REQUIRE(errorOf("") == CanonicalError::XmlSyntaxError);
  REQUIRE(errorOf("<r>") == CanonicalError::XmlSyntaxError);
  REQUIRE(errorOf("<r></s>") == CanonicalError::XmlSyntaxError);
  REQUIRE(errorOf("<r/><s/>") == CanonicalError::XmlSyntaxError);
  REQUIRE(errorOf("text") == CanonicalError::XmlSyntaxError);
  REQUIRE(errorOf("<r a='1' a='2'/>") == CanonicalError::XmlSyntaxError);
  XmlPolicy small;
  small.max_depth = 2;
  small.max_fields = 3;
  REQUIRE(errorOf("<a><b/></a>", small) == CanonicalError::None);
  REQUIRE(errorOf("<a><b><c/></b></a>", small) == CanonicalError::XmlNestingTooDeep);
  REQUIRE(errorOf("<a>1<b/></a>", small) == CanonicalError::None);
  REQUIRE(errorOf("<a x='1'><b/></a>", small) == CanonicalError::XmlTooManyFields);
  REQUIRE(parse("<a>\n  \t</a>").size() == 1);  // blank text is no field
}

}  // namespace
}  // namespace rampart::canonical
