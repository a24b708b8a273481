/*
 * doc.c — the Markdown + HTML document writer (see doc.h): both documents
 * grow in memory streams and are written into place atomically.
 */
#include "analysis/doc.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "memprobe/output.h"

void doc_html_text(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

void doc_md_text(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '|')
            fputs("\\|", f);
        else if (*s == '\n' || *s == '\r')
            fputc(' ', f);
        else
            fputc(*s, f);
    }
}

static const char doc_css[] =
    "body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:84rem;"
    "margin:2rem auto;padding:0 1rem;color:#222;line-height:1.45}"
    "h1{font-size:1.6rem}h2{border-bottom:1px solid #ccc;padding-bottom:.2rem;margin-top:2rem}"
    "table{border-collapse:collapse;margin:.6rem 0;font-size:.9rem}"
    "th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}"
    "th{background:#f2f2f2}td.num{text-align:right;font-variant-numeric:tabular-nums}"
    "img{max-width:100%;height:auto;border:1px solid #eee;margin:.4rem 0}"
    ".holds{color:#17632a;font-weight:600}.does-not-hold{color:#a31515;font-weight:600}"
    ".partly{color:#8a5a00;font-weight:600}.not-measurable-here{color:#666;font-weight:600}"
    ".warn{color:#8a5a00}code{background:#f4f4f4;padding:0 .2rem}ul.ev{margin:0;padding-left:1.1rem}"
    "details{margin:.5rem 0}summary{cursor:pointer;font-weight:600}"
    "table.claims,.keys table{font-size:.82rem;width:100%}table.claims td,.keys td{padding:.12rem .4rem}"
    "td.cov{color:#444}h1{margin:.4rem 0}h3{margin:.8rem 0 .3rem}";

void doc_open(doc *d, const char *title)
{
    memset(d, 0, sizeof *d);
    d->md = open_memstream(&d->md_buf, &d->md_len);
    d->html = open_memstream(&d->html_buf, &d->html_len);
    fprintf(d->md, "# ");
    doc_md_text(d->md, title);
    fprintf(d->md, "\n\n");
    fprintf(d->html, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>");
    doc_html_text(d->html, title);
    fprintf(d->html, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>", doc_css);
    doc_html_text(d->html, title);
    fprintf(d->html, "</h1>\n");
}

/* A heading of level 2 or 3 (## / <h2>, ### / <h3>). */
static void doc_heading_at(doc *d, int level, const char *text)
{
    fprintf(d->md, "%.*s ", level, "######");
    doc_md_text(d->md, text);
    fprintf(d->md, "\n\n");
    fprintf(d->html, "<h%d>", level);
    doc_html_text(d->html, text);
    fprintf(d->html, "</h%d>\n", level);
}

void doc_heading(doc *d, const char *text)
{
    doc_heading_at(d, 2, text);
}

void doc_subheading(doc *d, const char *text)
{
    doc_heading_at(d, 3, text);
}

void doc_paragraph(doc *d, const char *text)
{
    fprintf(d->md, "%s\n\n", text);
    fprintf(d->html, "<p>");
    doc_html_text(d->html, text);
    fprintf(d->html, "</p>\n");
}

void doc_list(doc *d, const char *const *items, size_t n, const char *css_class)
{
    fprintf(d->html, "<ul>\n");
    for (size_t i = 0; i < n; i++) {
        fprintf(d->md, "- %s\n", items[i]);
        fprintf(d->html, css_class ? "<li class=\"%s\">" : "<li>", css_class);
        doc_html_text(d->html, items[i]);
        fprintf(d->html, "</li>\n");
    }
    fprintf(d->md, "\n");
    fprintf(d->html, "</ul>\n");
}

void doc_details_begin(doc *d, const char *summary)
{
    FILE *both[] = {d->md, d->html};   /* the same tags in both: Markdown viewers render them */
    for (int i = 0; i < 2; i++) {
        fprintf(both[i], "<details><summary>");
        doc_html_text(both[i], summary);
        fprintf(both[i], "</summary>\n%s", both[i] == d->md ? "\n" : "");
    }
}

void doc_details_end(doc *d)
{
    fprintf(d->md, "</details>\n\n");
    fprintf(d->html, "</details>\n");
}

void doc_link(doc *d, const char *before, const char *text, const char *href)
{
    fprintf(d->md, "%s[", before);
    doc_md_text(d->md, text);
    fprintf(d->md, "](%s)\n\n", href);
    fprintf(d->html, "<p>");
    doc_html_text(d->html, before);
    fprintf(d->html, "<a href=\"");
    doc_html_text(d->html, href);
    fprintf(d->html, "\">");
    doc_html_text(d->html, text);
    fprintf(d->html, "</a></p>\n");
}

void doc_image(doc *d, const char *file, int has_svg)
{
    char svg_name[256];
    size_t len = strlen(file);
    snprintf(svg_name, sizeof svg_name, "%.*s.svg", (int)(len > 4 ? len - 4 : len), file);
    fprintf(d->md, "![%s](%s)%s%s%s\n\n", file, file, has_svg ? " ([SVG](" : "", has_svg ? svg_name : "",
            has_svg ? "))" : "");
    fprintf(d->html, "<p><img src=\"");
    doc_html_text(d->html, file);
    fprintf(d->html, "\" alt=\"");
    doc_html_text(d->html, file);
    fprintf(d->html, "\">");
    if (has_svg) {
        fprintf(d->html, "<br><a href=\"");
        doc_html_text(d->html, svg_name);
        fprintf(d->html, "\">SVG</a>");
    }
    fprintf(d->html, "</p>\n");
}

void doc_table_begin(doc *d, const char *const *heads, size_t n)
{
    fprintf(d->md, "|");
    fprintf(d->html, "<table>\n<tr>");
    for (size_t i = 0; i < n; i++) {
        fprintf(d->md, " ");
        doc_md_text(d->md, heads[i]);
        fprintf(d->md, " |");
        fprintf(d->html, "<th>");
        doc_html_text(d->html, heads[i]);
        fprintf(d->html, "</th>");
    }
    fprintf(d->md, "\n|");
    for (size_t i = 0; i < n; i++)
        fprintf(d->md, " --- |");
    fprintf(d->md, "\n");
    fprintf(d->html, "</tr>\n");
}

void doc_table_row(doc *d, const char *const *cells, size_t n, int align_numbers)
{
    fprintf(d->md, "|");
    fprintf(d->html, "<tr>");
    for (size_t i = 0; i < n; i++) {
        const char *c = cells[i] ? cells[i] : "";
        fprintf(d->md, " ");
        doc_md_text(d->md, c);
        fprintf(d->md, " |");
        int num = align_numbers && ((c[0] >= '0' && c[0] <= '9') || (c[0] == '-' && c[1] >= '0' && c[1] <= '9'));
        fprintf(d->html, num ? "<td class=\"num\">" : "<td>");
        doc_html_text(d->html, c);
        fprintf(d->html, "</td>");
    }
    fprintf(d->md, "\n");
    fprintf(d->html, "</tr>\n");
}

void doc_table_end(doc *d)
{
    fprintf(d->md, "\n");
    fprintf(d->html, "</table>\n");
}

int doc_write(doc *d, const char *dir, const char *name, char *err, size_t errlen)
{
    fprintf(d->html, "</body>\n</html>\n");
    fclose(d->md);
    fclose(d->html);
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s.md", dir, name);
    int rc = output_write_atomic(path, d->md_buf, d->md_len, err, errlen);
    snprintf(path, sizeof path, "%s/%s.html", dir, name);
    if (rc == 0)
        rc = output_write_atomic(path, d->html_buf, d->html_len, err, errlen);
    free(d->md_buf);
    free(d->html_buf);
    return rc;
}
