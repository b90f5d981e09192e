#include "detectors/canonical/xml_parser.h"

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>

#include <climits>
#include <memory>
#include <mutex>
#include <vector>

#include "detectors/canonical/media_type.h"
#include "detectors/canonical/utf8_validation.h"

namespace rampart::canonical {
namespace {

// What the SAX hooks saw before they stopped the parser.
enum class DtdFinding : std::uint8_t { None, Doctype, ExternalDtd, Declaration };

struct ParseState {
  DoctypePolicy policy;
  DtdFinding finding = DtdFinding::None;
};

ParseState& stateOf(void* ctx) {
  return *static_cast<ParseState*>(static_cast<xmlParserCtxtPtr>(ctx)->_private);
}

void onInternalSubset(void* ctx, const xmlChar* name, const xmlChar* external_id, const xmlChar* system_id) {
  ParseState& state = stateOf(ctx);
  if (state.policy == DoctypePolicy::Reject) {
    state.finding = DtdFinding::Doctype;
  } else if (external_id != nullptr || system_id != nullptr) {
    state.finding = DtdFinding::ExternalDtd;  // a backend that loads DTDs would fetch it
  } else {
    xmlSAX2InternalSubset(ctx, name, external_id, system_id);
    return;
  }
  xmlStopParser(static_cast<xmlParserCtxtPtr>(ctx));
}

void onEntityDecl(void* ctx, const xmlChar*, int, const xmlChar*, const xmlChar*, xmlChar*) {
  stateOf(ctx).finding = DtdFinding::Declaration;
  xmlStopParser(static_cast<xmlParserCtxtPtr>(ctx));
}

// Attribute defaults would add attributes a DTD-reading backend sees and we would not.
void onAttributeDecl(void* ctx, const xmlChar*, const xmlChar*, int, int, const xmlChar*,
                     xmlEnumerationPtr tree) {
  xmlFreeEnumeration(tree);  // the SAX contract: the handler owns it
  stateOf(ctx).finding = DtdFinding::Declaration;
  xmlStopParser(static_cast<xmlParserCtxtPtr>(ctx));
}

void ignoreExternalSubset(void*, const xmlChar*, const xmlChar*, const xmlChar*) {}
void ignoreStructuredError(void*, xmlErrorPtr) {}

struct ContextDeleter {
  void operator()(xmlParserCtxtPtr ctxt) const {
    if (ctxt->myDoc != nullptr) xmlFreeDoc(ctxt->myDoc);
    ctxt->myDoc = nullptr;
    xmlFreeParserCtxt(ctxt);
  }
};
struct XmlCharDeleter {
  void operator()(xmlChar* s) const { xmlFree(s); }
};

std::string_view view(const xmlChar* s) {
  return s == nullptr ? std::string_view() : std::string_view(reinterpret_cast<const char*>(s));
}

// The value of `encoding="..."` in a leading XML declaration, or empty.
std::string_view declaredEncoding(std::string_view text) {
  if (!text.starts_with("<?xml")) return {};
  const std::string_view declaration = text.substr(0, text.find("?>"));
  std::size_t at = declaration.find("encoding");
  if (at == std::string_view::npos) return {};
  at += 8;
  while (at < declaration.size() && (declaration[at] == ' ' || declaration[at] == '=' ||
                                     declaration[at] == '\t' || declaration[at] == '\r' ||
                                     declaration[at] == '\n'))
    ++at;
  if (at >= declaration.size() || (declaration[at] != '"' && declaration[at] != '\'')) return {};
  const char quote = declaration[at];
  const std::size_t end = declaration.find(quote, at + 1);
  if (end == std::string_view::npos) return {};
  return declaration.substr(at + 1, end - at - 1);
}

bool isAllowedCharset(std::string_view charset, std::span<const std::string> allowed) {
  for (const auto& a : allowed)
    if (equalsAsciiCaseInsensitive(charset, a)) return true;
  return false;
}

bool isBlank(std::string_view s) {
  for (const char c : s)
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return false;
  return true;
}

class TreeWalker {
 public:
  TreeWalker(const XmlPolicy& policy, FieldList& out) : policy_(policy), out_(out) {}

  CanonicalError walk(xmlDocPtr doc) {
    xmlNodePtr node = doc->children;
    while (node != nullptr) {
      if (const CanonicalError e = visit(node); e != CanonicalError::None) return e;
      if (node->type == XML_ELEMENT_NODE) {
        if (node->children != nullptr) {
          node = node->children;
          continue;
        }
        closeElement();
      }
      while (node != nullptr && node->next == nullptr) {
        node = node->parent;
        if (node == nullptr || node->type != XML_ELEMENT_NODE) return CanonicalError::None;
        closeElement();
      }
      if (node != nullptr) node = node->next;
    }
    return CanonicalError::None;
  }

 private:
  CanonicalError add(FieldSource source, std::string name, std::string_view value) {
    if (out_.size() - start_size_ >= policy_.max_fields) return CanonicalError::XmlTooManyFields;
    out_.push_back({source, std::move(name), std::string(value)});
    return CanonicalError::None;
  }

  static std::string qualifiedName(const xmlChar* name, xmlNsPtr ns) {
    std::string out;
    if (ns != nullptr && ns->prefix != nullptr) {
      out += view(ns->prefix);
      out += ':';
    }
    out += view(name);
    return out;
  }

  std::string childPath(std::string_view leaf) const {
    std::string p = path_;
    if (!p.empty()) p += '/';
    p += leaf;
    return p;
  }

  CanonicalError visit(xmlNodePtr node) {
    switch (node->type) {
      case XML_ELEMENT_NODE: return openElement(node);
      case XML_TEXT_NODE:
      case XML_CDATA_SECTION_NODE:
        if (isBlank(view(node->content))) return CanonicalError::None;
        return add(FieldSource::XmlValue, path_, view(node->content));
      case XML_COMMENT_NODE: return add(FieldSource::XmlValue, childPath("#comment"), view(node->content));
      case XML_PI_NODE:
        return add(FieldSource::XmlValue, childPath("?" + std::string(view(node->name))), view(node->content));
      default: return CanonicalError::None;  // the DTD node (allowed DOCTYPE), entity refs
    }
  }

  CanonicalError openElement(xmlNodePtr node) {
    if (depths_.size() == policy_.max_depth) return CanonicalError::XmlNestingTooDeep;
    const std::string name = qualifiedName(node->name, node->ns);
    depths_.push_back(path_.size());
    if (!path_.empty()) path_ += '/';
    path_ += name;
    if (const CanonicalError e = add(FieldSource::XmlName, path_, name); e != CanonicalError::None) return e;
    for (xmlAttrPtr attr = node->properties; attr != nullptr; attr = attr->next) {
      const std::string attr_name = qualifiedName(attr->name, attr->ns);
      const std::string attr_path = path_ + "/@" + attr_name;
      const std::unique_ptr<xmlChar, XmlCharDeleter> value(xmlNodeListGetString(node->doc, attr->children, 1));
      if (const CanonicalError e = add(FieldSource::XmlName, attr_path, attr_name); e != CanonicalError::None) return e;
      if (const CanonicalError e = add(FieldSource::XmlValue, attr_path, view(value.get())); e != CanonicalError::None)
        return e;
    }
    return CanonicalError::None;
  }

  void closeElement() {
    path_.resize(depths_.back());
    depths_.pop_back();
  }

  const XmlPolicy& policy_;
  FieldList& out_;
  const std::size_t start_size_ = out_.size();
  std::string path_;
  std::vector<std::size_t> depths_;
};

}  // namespace

CanonicalError parseXml(std::string_view text, const XmlPolicy& policy,
                        std::span<const std::string> allowed_charsets, FieldList& out) {
  static std::once_flag init;
  std::call_once(init, [] { xmlInitParser(); });

  if (validateUtf8(text) != Utf8Status::Valid) return CanonicalError::XmlInvalidUtf8;
  if (text.size() > static_cast<std::size_t>(INT_MAX)) return CanonicalError::BodyTooLarge;
  if (const std::string_view encoding = declaredEncoding(text);
      !encoding.empty() && !isAllowedCharset(encoding, allowed_charsets))
    return CanonicalError::XmlEncodingNotAllowed;

  std::unique_ptr<xmlParserCtxt, ContextDeleter> ctxt(
      xmlCreateMemoryParserCtxt(text.data(), static_cast<int>(text.size())));
  if (ctxt == nullptr) return CanonicalError::XmlSyntaxError;
  xmlCtxtUseOptions(ctxt.get(), XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  // Belt and braces against process-wide defaults another library may have changed.
  ctxt->replaceEntities = 0;
  ctxt->loadsubset = 0;
  ctxt->validate = 0;
  ParseState state{policy.doctype};
  ctxt->_private = &state;
  ctxt->sax->internalSubset = onInternalSubset;
  ctxt->sax->externalSubset = ignoreExternalSubset;
  ctxt->sax->entityDecl = onEntityDecl;
  ctxt->sax->attributeDecl = onAttributeDecl;
  ctxt->sax->serror = ignoreStructuredError;

  xmlParseDocument(ctxt.get());
  switch (state.finding) {
    case DtdFinding::Doctype:
    case DtdFinding::ExternalDtd: return CanonicalError::XmlDoctypeForbidden;
    case DtdFinding::Declaration: return CanonicalError::XmlEntityDeclaration;
    case DtdFinding::None: break;
  }
  if (ctxt->wellFormed == 0 || ctxt->myDoc == nullptr) return CanonicalError::XmlSyntaxError;
  if (const std::string_view encoding = view(ctxt->myDoc->encoding);
      !encoding.empty() && !isAllowedCharset(encoding, allowed_charsets))
    return CanonicalError::XmlEncodingNotAllowed;
  return TreeWalker(policy, out).walk(ctxt->myDoc);
}

}  // namespace rampart::canonical
