/*
 * doc.h — one document written twice, as Markdown and as HTML, side by side
 * so the two always say the same: headings, paragraphs, lists, tables and
 * images, kept in memory and written into a folder atomically at the end.
 * The report (report.c) is written through it.
 */
#ifndef MEMPROBE_DOC_H
#define MEMPROBE_DOC_H

#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The two documents being written.  A caller that needs markup the
 * functions below do not make writes md and html itself, escaping text with
 * doc_md_text and doc_html_text. */
typedef struct doc {
    FILE *md, *html;
    char *md_buf, *html_buf;
    size_t md_len, html_len;
} doc;

/* Start both documents with title as their first heading. */
void doc_open(doc *d, const char *title);
/* A section heading (## / <h2>) and a subsection heading (### / <h3>). */
void doc_heading(doc *d, const char *text);
void doc_subheading(doc *d, const char *text);
void doc_paragraph(doc *d, const char *text);
/* A bulleted list; css_class (may be NULL) is given to each HTML item. */
void doc_list(doc *d, const char *const *items, size_t n, const char *css_class);
/* A collapsed block (<details>, opened by a click on summary) around what
 * is written between begin and end; Markdown gets the same HTML tags, which
 * Markdown viewers render. */
void doc_details_begin(doc *d, const char *summary);
void doc_details_end(doc *d);
/* A paragraph: before (text), then text linked to href (a file of the folder). */
void doc_link(doc *d, const char *before, const char *text, const char *href);
/* The image file (a PNG), with a link to its SVG twin (the same name,
 * .svg) when has_svg. */
void doc_image(doc *d, const char *file, int has_svg);
/* A table: its heads, then rows of n cells (with align_numbers, cells that
 * start with a number are right-aligned in HTML), then its end. */
void doc_table_begin(doc *d, const char *const *heads, size_t n);
void doc_table_row(doc *d, const char *const *cells, size_t n, int align_numbers);
void doc_table_end(doc *d);
/* Text escaped for Markdown inline use (| escaped, kept on one line) and for HTML. */
void doc_md_text(FILE *f, const char *s);
void doc_html_text(FILE *f, const char *s);
/* Close both documents and write them as dir/name.md and dir/name.html
 * (each atomically).  0, or -1 with err.  d is freed either way. */
int doc_write(doc *d, const char *dir, const char *name, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
