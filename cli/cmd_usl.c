/* cmd_usl.c: `crest usl FILE.csv`: reads (load, throughput) points from a
 * CSV file, fits the Universal Scalability Law (capacity/usl.h) and prints
 * the coefficients, their standard errors, the peak and the ceiling, as a
 * table or as JSON ("schema": "crest.usl/1", docs/usl.md). */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/optable.h"
#include "common/csvio.h"
#include "common/error.h"
#include "common/jsonio.h"
#include "common/version.h"
#include "capacity/usl.h"

static const cli_option usl_options[] = {
    {"load", 0, "COL", 0, "the load column (default: 'load', else the first column)", 0},
    {"throughput", 0, "COL", 0, "the throughput column (default: 'throughput', else the\n"
     "first other column)", 0},
    {"json", 0, NULL, 0, "print JSON (\"schema\": \"crest.usl/1\") instead of a table", 0},
    {"help", 'h', NULL, 'h', "this help", 0},
};

const cli_command usl_command = {
    .name = "usl",
    .summary = "fit the Universal Scalability Law to (load, throughput) data",
    .synopsis = "crest usl FILE.csv [--load COL] [--throughput COL] [--json]",
    .description =
        "Fits the Universal Scalability Law X(N) = gamma N / (1 + alpha (N-1) + beta N (N-1))\n"
        "to measured (load, throughput) points by bounded nonlinear least squares. FILE.csv\n"
        "has a header row, then one row per measurement (at least 4, at least 3 distinct "
        "loads).",
    .options = usl_options,
    .noptions = sizeof usl_options / sizeof usl_options[0],
    .footer = "exit codes: 0 fitted (a poor fit is a warning), 2 bad usage or input,\n"
              "3 the model cannot be fitted to the data",
    .positional = "file",
};

typedef struct usl_args {
    const char *path;
    const char *load_col, *throughput_col;
    int json;
} usl_args;

/* Returns -1 on a usage error, 1 for --help, 0 otherwise. */
static int parse_args(int argc, char **argv, usl_args *a)
{
    memset(a, 0, sizeof *a);
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char **target = NULL;
        const char *name = NULL;
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)
            return 1;
        if (strcmp(arg, "--json") == 0) {
            a->json = 1;
            continue;
        }
        if (strncmp(arg, "--load", 6) == 0 && (arg[6] == '\0' || arg[6] == '=')) {
            target = &a->load_col;
            name = "--load";
        } else if (strncmp(arg, "--throughput", 12) == 0 && (arg[12] == '\0' || arg[12] == '=')) {
            target = &a->throughput_col;
            name = "--throughput";
        }
        if (target) {
            const char *eq = strchr(arg, '=');
            if (eq)
                *target = eq + 1;
            else if (i + 1 < argc)
                *target = argv[++i];
            else {
                crest_error("%s needs a column name", name);
                return -1;
            }
            if (**target == '\0') {
                crest_error("%s needs a column name", name);
                return -1;
            }
            continue;
        }
        if (arg[0] == '-' && arg[1] != '\0') {
            crest_error("unknown option '%s'; expected --load, --throughput, --json or --help",
                        arg);
            return -1;
        }
        if (a->path) {
            crest_error("one CSV file expected, got '%s' and '%s'", a->path, arg);
            return -1;
        }
        a->path = arg;
    }
    if (!a->path) {
        crest_error("missing FILE.csv (crest usl --help)");
        return -1;
    }
    return 0;
}

static void list_columns(const csv_table *t, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < t->ncols && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s'%s'", i ? ", " : "", t->header[i]);
}

/* The column named NAME, or by default the column DEFAULT_NAME, else the
 * first column that is neither AVOID (an index, or -1) nor named
 * AVOID_NAME. -1 after printing an error. */
static int pick_column(const csv_table *t, const char *name, const char *default_name,
                       int avoid, const char *avoid_name)
{
    char cols[512];
    if (name) {
        int c = csv_table_column(t, name);
        if (c < 0) {
            list_columns(t, cols, sizeof cols);
            crest_error_at(t->path, 1, "no column '%s'; the header has %s", name, cols);
        }
        return c;
    }
    int c = csv_table_column(t, default_name);
    if (c >= 0)
        return c;
    for (size_t i = 0; i < t->ncols; i++)
        if ((int)i != avoid && strcmp(t->header[i], avoid_name) != 0)
            return (int)i;
    list_columns(t, cols, sizeof cols);
    crest_error_at(t->path, 1, "no column for the %s; the header has %s", default_name, cols);
    return -1;
}

/* Reads the points; prints file:line errors. 0 or -1. */
static int read_points(const csv_table *t, int lc, int xc, double *load, double *x)
{
    for (size_t r = 0; r < t->nrows; r++) {
        const int cols[2] = {lc, xc};
        double *dst[2] = {&load[r], &x[r]};
        for (int k = 0; k < 2; k++) {
            int rc = csv_table_number(t, r, (size_t)cols[k], dst[k]);
            if (rc < 0)
                return -1;
            if (rc == 1) {
                crest_error_at(t->path, t->line[r], "column '%s': expected a number, found an "
                               "empty field", t->header[cols[k]]);
                return -1;
            }
        }
        if (!(load[r] > 0)) {
            crest_error_at(t->path, t->line[r], "column '%s': expected a load > 0, found '%s'",
                           t->header[lc], csv_table_cell(t, r, (size_t)lc));
            return -1;
        }
        if (x[r] < 0) {
            crest_error_at(t->path, t->line[r],
                           "column '%s': expected a throughput >= 0, found '%s'", t->header[xc],
                           csv_table_cell(t, r, (size_t)xc));
            return -1;
        }
    }
    return 0;
}

/* JSON has no NaN or infinity: those become null (not estimated, no bound). */
static int print_json(const char *path, const usl_fit *f)
{
    cJSON *root = cJSON_CreateObject();
    if (!root)
        return -1;
    cJSON_AddStringToObject(root, "schema", "crest.usl/1");
    cJSON_AddStringToObject(root, "crest_version", CREST_VERSION);
    cJSON_AddStringToObject(root, "input", path);
    jsonio_add_number_or_null(root, "alpha", f->alpha);
    jsonio_add_number_or_null(root, "beta", f->beta);
    jsonio_add_number_or_null(root, "gamma", f->gamma);
    jsonio_add_number_or_null(root, "alpha_se", f->alpha_se);
    jsonio_add_number_or_null(root, "beta_se", f->beta_se);
    jsonio_add_number_or_null(root, "gamma_se", f->gamma_se);
    jsonio_add_number_or_null(root, "n_star", f->n_star);
    jsonio_add_number_or_null(root, "x_max", f->x_max);
    jsonio_add_number_or_null(root, "amdahl_limit", f->alpha > 0 ? f->gamma / f->alpha : INFINITY);
    jsonio_add_number_or_null(root, "residual_se", f->residual_se);
    cJSON_AddNumberToObject(root, "df", (double)(f->n - 3));
    jsonio_add_number_or_null(root, "r_squared", f->r_squared);
    cJSON_AddNumberToObject(root, "n", (double)f->n);
    cJSON_AddBoolToObject(root, "poor_fit", f->poor_fit);
    jsonio_add_string_or_null(root, "warning", f->poor_fit ? f->warning : NULL);
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    if (!text)
        return -1;
    puts(text);
    free(text);
    return 0;
}

static void print_param(const char *name, double v, double se)
{
    if (isnan(se))
        printf("  %-24s %14.6g   (held at its bound)\n", name, v);
    else
        printf("  %-24s %14.6g ± %.3g\n", name, v, se);
}

static void print_table(const char *path, const char *load_name, const char *x_name,
                        const usl_fit *f)
{
    printf("USL fit of %s: %zu points (load '%s', throughput '%s')\n\n", path, f->n, load_name,
           x_name);
    printf("  X(N) = gamma N / (1 + alpha (N-1) + beta N (N-1))\n\n");
    print_param("alpha (contention)", f->alpha, f->alpha_se);
    print_param("beta (coherency)", f->beta, f->beta_se);
    print_param("gamma (rate at load 1)", f->gamma, f->gamma_se);
    printf("\n");
    printf("  %-24s %14.6g on %zu degrees of freedom\n", "residual standard error",
           f->residual_se, f->n - 3);
    printf("  %-24s %14.4f\n", "R^2", f->r_squared);
    if (isfinite(f->n_star)) {
        printf("  %-24s %14.6g\n", "peak load N*", f->n_star);
        printf("  %-24s %14.6g\n", "peak throughput X(N*)", f->x_max);
    } else {
        printf("  %-24s %14s   (beta = 0: throughput never falls)\n", "peak load N*", "none");
    }
    if (f->alpha > 0)
        printf("  %-24s %14.6g\n", "Amdahl limit gamma/alpha", f->gamma / f->alpha);
    else
        printf("  %-24s %14s   (alpha = 0)\n", "Amdahl limit gamma/alpha", "none");
    if (f->poor_fit)
        printf("\n  POOR FIT: %s\n", f->warning);
}

int cmd_usl(int argc, char **argv)
{
    usl_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc == 1) {
        cli_print_help(stdout, &usl_command);
        return CREST_EXIT_OK;
    }
    if (rc < 0)
        return CREST_EXIT_USAGE;

    csv_table t;
    if (csv_table_read(a.path, &t) != 0)
        return CREST_EXIT_USAGE;
    int status = CREST_EXIT_USAGE;
    double *load = NULL, *x = NULL;
    if (t.ncols < 2 && !(a.load_col && a.throughput_col)) {
        crest_error_at(a.path, 1, "expected at least 2 columns (load, throughput), found %zu",
                       t.ncols);
        goto done;
    }
    int lc = pick_column(&t, a.load_col, "load", -1, "throughput");
    int xc = lc < 0 ? -1 : pick_column(&t, a.throughput_col, "throughput", lc, "");
    if (lc < 0 || xc < 0)
        goto done;
    if (lc == xc) {
        crest_error_at(a.path, 1, "load and throughput are the same column '%s'",
                       t.header[lc]);
        goto done;
    }
    load = malloc((t.nrows ? t.nrows : 1) * sizeof *load);
    x = malloc((t.nrows ? t.nrows : 1) * sizeof *x);
    if (!load || !x) {
        crest_error("out of memory reading %s", a.path);
        status = CREST_EXIT_RUN;
        goto done;
    }
    if (read_points(&t, lc, xc, load, x) != 0)
        goto done;

    usl_fit fit;
    if (usl_fit_points(load, x, t.nrows, &fit) != 0) {
        crest_error("cannot fit the USL to %s (%zu points): %s", a.path, t.nrows, fit.warning);
        status = CREST_EXIT_RUN;
        goto done;
    }
    if (fit.poor_fit)
        crest_warn("poor fit for %s: %s", a.path, fit.warning);
    if (a.json) {
        if (print_json(a.path, &fit) != 0) {
            crest_error("out of memory writing JSON");
            status = CREST_EXIT_RUN;
            goto done;
        }
    } else {
        print_table(a.path, t.header[lc], t.header[xc], &fit);
    }
    status = CREST_EXIT_OK;
done:
    free(load);
    free(x);
    csv_table_free(&t);
    return status;
}
