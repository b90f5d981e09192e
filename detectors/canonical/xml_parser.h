// XML bodies through libxml2, locked down: no network (XML_PARSE_NONET), no DTD loading, no
// entity substitution (XML_PARSE_NOENT off), and a DOCTYPE refused before its internal subset
// is read (xml_doctype_forbidden), so XXE and billion-laughs documents never expand. With
// DoctypePolicy::AllowWithoutEntities a DOCTYPE may stay if it names no external DTD and
// declares no entity or attribute default (xml_entity_declaration). The encoding declaration,
// if any, must name an allowed charset, and the bytes must be UTF-8 (no UTF-16 or UTF-7 games).
//
// Fields: every element name and attribute name (XmlName), every attribute value, non-blank
// text or CDATA run, comment and processing instruction (XmlValue), each named by its path
// ("order/item/@id", "order/item", "order/#comment", "order/?php").
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "detectors/canonical/canonical_error.h"
#include "detectors/canonical/canonical_policy.h"
#include "detectors/canonical/field.h"

namespace rampart::canonical {

CanonicalError parseXml(std::string_view text, const XmlPolicy& policy,
                        std::span<const std::string> allowed_charsets, FieldList& out);

}  // namespace rampart::canonical
