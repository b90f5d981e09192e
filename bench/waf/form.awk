# bench/waf/form.awk: a deterministic application/x-www-form-urlencoded body of about TARGET
# bytes (default 65536): a Django-style formset from a "bulk edit products" admin page, with a
# csrf token, management fields, then per product: id, title, slug, price, stock, category,
# tags, a visible checkbox and a description of several sentences of plain prose.
# The body is exactly TARGET bytes: an edit note at the end takes up the rest.
# usage: awk -v target=65536 -f bench/waf/form.awk </dev/null >body
# Park-Miller LCG (exact in double precision), so mawk and gawk give the same bytes.
function rnd(n) { seed = (seed * 16807) % 2147483647; return seed % n }
function word() { return w[rnd(nw) + 1] }
function sentence(   n, s, i) {
  n = 7 + rnd(10)
  s = word(); s = toupper(substr(s, 1, 1)) substr(s, 2)
  for (i = 2; i <= n; i++) {
    s = s "+" word()
    if (i < n - 2 && rnd(9) == 0) s = s "%2C"
  }
  return s "."
}
function field(name, value) {
  body = body (body == "" ? "" : "&") name "=" value
  fields++
}
BEGIN {
  if (target == "") target = 65536
  seed = 20261123
  nw = split("the a an of to in with for on at by this that is are was be has have it its " \
    "soft warm light cotton wool linen blend organic fabric colour blue green grey white black " \
    "navy natural shirt jacket coat scarf sweater dress trousers pocket collar sleeve button " \
    "zip lining hood seam stitch pattern stripe check plain fit regular slim relaxed size small " \
    "medium large length waist shoulder comfortable durable breathable washable machine wash " \
    "gentle cycle cold water dry flat iron low heat made sourced certified recycled fibres " \
    "factory family workshop Portugal Italy designed everyday wear weekend travel office autumn " \
    "winter spring summer layer perfect easy care keeps shape after many washes customers love " \
    "feel quality price delivery returns free within days gift box wrapped ready arrives " \
    "quickly great choice classic modern style simple clean lines finished hand detail " \
    "carefully checked before shipping", w, " ")
  cats[1] = "tops"; cats[2] = "knitwear"; cats[3] = "outerwear"; cats[4] = "accessories"
  nouns[1] = "shirt"; nouns[2] = "sweater"; nouns[3] = "jacket"; nouns[4] = "scarf"; nouns[5] = "coat"
  field("csrfmiddlewaretoken", "Xk3pL9vQ2mN7rT4wY8zB1cF6hJ0dG5sA2eR9uI4oP7lK3jH8gF1dS6aZ0xC5vB2n")
  field("form-INITIAL_FORMS", "0"); field("form-MIN_NUM_FORMS", "0"); field("form-MAX_NUM_FORMS", "1000")
  field("form-TOTAL_FORMS", "0")   # fixed below
  for (i = 0; length(body) < target - 900; i++) {
    p = "form-" i "-"
    adj = word(); noun = nouns[rnd(5) + 1]
    field(p "id", 10400 + i)
    field(p "title", toupper(substr(adj, 1, 1)) substr(adj, 2) "+" noun "+" (i + 1))
    field(p "slug", adj "-" noun "-" (i + 1))
    field(p "price", (19 + rnd(180)) "." (rnd(2) ? "90" : "00"))
    field(p "stock", rnd(400))
    field(p "category", cats[rnd(4) + 1])
    field(p "tags", word() "%2C+" word() "%2C+" word())
    if (rnd(3)) field(p "visible", "on")
    d = sentence()
    for (k = 0; k < 7 + rnd(5); k++) d = d "+" sentence()
    field(p "description", d)
  }
  sub(/form-TOTAL_FORMS=0/, "form-TOTAL_FORMS=" i, body)
  # An edit note fills the body up to exactly TARGET bytes (cut after a whole word).
  tail = "&change_note=&_save=Save"
  note = sentence()
  while (length(body) + length(tail) + length(note) < target) note = note "+" sentence()
  while (length(body) + length(tail) + length(note) > target) sub(/\+[^+]*$/, "", note)
  while (length(body) + length(tail) + length(note) < target) note = note "+"
  field("change_note", note)
  field("_save", "Save")
  printf "%s", body
  print "form.awk: " i " products, " fields " fields, " length(body) " bytes" > "/dev/stderr"
}
