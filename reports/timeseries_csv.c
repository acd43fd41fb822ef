/* timeseries_csv.c: timeseries.csv, the per-second series of results.json
 * for spreadsheets and pandas.
 *
 * Long format, one row per second per scope, so the column set never
 * depends on subsystem names (which may hold commas or quotes):
 *   t,scope,subsystem,target_rate,offered,sent,completed,ok,shed,errors,
 *   dropped,p50_ms,p90_ms,p99_ms,max_ms
 * scope "total" rows (subsystem empty) carry every column; scope
 * "subsystem" rows carry what results.json records per subsystem (offered,
 * ok, shed, errors, p99_ms) and leave the rest empty. A missing value is an
 * empty cell, never 0. */
#include <math.h>
#include <stdio.h>

#include "reports/report.h"
#include "reports/report_text.h"

static void cell(FILE *f, double v)
{
    fputc(',', f);
    if (!isnan(v))
        fprintf(f, "%.10g", v);
}

int report_timeseries_csv(FILE *f, const rep_results *r)
{
    fputs("t,scope,subsystem,target_rate,offered,sent,completed,ok,shed,errors,dropped,"
          "p50_ms,p90_ms,p99_ms,max_ms\n", f);
    for (size_t i = 0; i < r->npoints; i++) {
        const rep_point *p = &r->points[i];
        fprintf(f, "%.10g,total,", p->t);
        double cols[] = {p->target_rate, p->offered, p->sent, p->completed, p->ok, p->shed,
                         p->errors, p->dropped, p->p50, p->p90, p->p99, p->max};
        for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++)
            cell(f, cols[c]);
        fputc('\n', f);
        for (size_t s = 0; s < r->nsubs; s++) {
            const rep_sub_point *sp = &p->subs[s];
            fprintf(f, "%.10g,subsystem,", p->t);
            text_csv(f, r->subs[s].name);
            double sc[] = {NAN, sp->offered, NAN, NAN, sp->ok, sp->shed, sp->errors, NAN,
                           NAN, NAN, sp->p99, NAN};
            for (size_t c = 0; c < sizeof sc / sizeof sc[0]; c++)
                cell(f, sc[c]);
            fputc('\n', f);
        }
    }
    return 0;
}
