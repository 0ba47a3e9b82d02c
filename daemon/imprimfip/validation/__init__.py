"""Letter validation: is this PDF something the print centres can print?

pool.ValidatorPool.inspect(bytes, rules) the daemon's entry: a bounded child process
  └ worker                               runs check_pdf in the child, under rlimits,
      │                                  and picture.draw when the picture is wanted
      └ check.check_pdf(bytes, rules)     pure core: the rules in order, a Report
          ├ document     sniff, open with pypdf, classify pypdf's exceptions
          │   └ content    each content stream parsed at most once, each form XObject
          │                once per file; the file as PDFium opened it
          ├ survey       one PDFium pass over the pages: what may reach a reserved zone,
          │              what may draw text in a font not embedded (pypdf reads the rest);
          │              pypdf's bounds applied to first pages before PDFium reads them
          ├ geometry     page_size, orientation (effective box, /Rotate, /UserUnit)
          ├ fonts        fonts_not_embedded (fonts that draw visible text)
          │   └ fontwalk   pypdf's bounded walk over the fonts a page draws with
          ├ forms        form_not_flattened; fonts_not_embedded in fields and annotations
          ├ address      address_block, address_lowercase, address_accents
          │   └ textlines  a page's text lines and where they sit, from PDFium's text page
          └ placement    window_clutter, address_near_edge, reserved_zone_ink, on pages
                         drawn by raster (PDFium) and measured by ink
(the rules, ValidationRules, are the `[flows.validation]` config table: config/rules.py)
report         Problem, Finding, Report (its address: imprimfip.postal.PostalAddress)
picture        the picture of the page a refusal concerns (<name>.erreur.png)
messages_fr    the French text of every code and of the picture's legend, for staff
"""
