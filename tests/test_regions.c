/* test_regions.c: the 89 federal subjects (lib/regions.c): table, lookups by slug, ISO code
 * and name in any case form, and detection in strategy texts. */
#include <criterion/criterion.h>
#include "test_util.h"
#include "regions.h"

static const char *lookup(const char *name)
{
    const poisk_region *r = poisk_region_lookup(name, strlen(name));
    return r ? r->slug : "(none)";
}

Test(regions, table_has_all_89_with_unique_slugs)
{
    cr_assert_eq(poisk_region_count(), 89);
    for (size_t i = 0; i < poisk_region_count(); i++) {
        const poisk_region *r = poisk_region_at(i);
        cr_assert(r->slug[0] && r->nominative[0] && r->genitive[0]);
        for (size_t j = 0; j < i; j++)
            cr_assert_str_neq(r->slug, poisk_region_at(j)->slug);
    }
    cr_assert_null(poisk_region_at(89));
}

Test(regions, every_region_by_slug_iso_nominative_genitive_any_case)
{
    for (size_t i = 0; i < poisk_region_count(); i++) {
        const poisk_region *r = poisk_region_at(i);
        cr_assert_str_eq(lookup(r->slug), r->slug);
        if (*r->iso) cr_assert_str_eq(lookup(r->iso), r->slug, "%s", r->iso);
        cr_assert_str_eq(lookup(r->nominative), r->slug, "%s", r->nominative);
        cr_assert_str_eq(lookup(r->genitive), r->slug, "%s", r->genitive);
    }
    cr_assert_str_eq(lookup("ru-sta"), "stavropol");
    cr_assert_str_eq(lookup("  Tambov "), "tambov");
}

Test(regions, derived_case_forms)
{
    cr_assert_str_eq(lookup("СТАВРОПОЛЬСКОГО КРАЯ"), "stavropol");
    cr_assert_str_eq(lookup("ставропольском крае"), "stavropol");
    cr_assert_str_eq(lookup("Ставропольским краем"), "stavropol");
    cr_assert_str_eq(lookup("Тамбовскую область"), "tambov");
    cr_assert_str_eq(lookup("Тамбовской областью"), "tambov");
    cr_assert_str_eq(lookup("Республике Адыгея"), "adygea");
    cr_assert_str_eq(lookup("республикой адыгеей"), "adygea");
    cr_assert_str_eq(lookup("город Москва"), "moscow");
    cr_assert_str_eq(lookup("Москве"), "moscow");
    cr_assert_str_eq(lookup("Санкт-Петербурге"), "saint-petersburg");
    cr_assert_str_eq(lookup("Ханты-Мансийского автономного округа"), "khanty-mansi");
    cr_assert_str_eq(lookup("Хантымансийского автономного округа"), "khanty-mansi");
    cr_assert_str_eq(lookup("Карачаево-Черкесской Республике"), "karachay-cherkessia");
    cr_assert_str_eq(lookup("Республики Саха (Якутия)"), "sakha");
    cr_assert_str_eq(lookup("Кемеровская область — Кузбасс"), "kemerovo");
    cr_assert_str_eq(lookup("Еврейской автономной области"), "jewish");
}

Test(regions, first_word_and_distinctive_words)
{
    cr_assert_str_eq(lookup("Ставропольский"), "stavropol");
    cr_assert_str_eq(lookup("калужская"), "kaluga");
    cr_assert_str_eq(lookup("Татарстан"), "tatarstan");
    cr_assert_str_eq(lookup("Марий Эл"), "mari-el");
    cr_assert_str_eq(lookup("Алтай"), "altai-republic");
    cr_assert_str_eq(lookup("Алтайский"), "altai-krai");
    cr_assert_str_eq(lookup("Ханты-Мансийский"), "khanty-mansi");
    cr_assert_str_eq(lookup("Москва"), "moscow");
    cr_assert_str_eq(lookup("Московская"), "moscow-oblast");
}

Test(regions, unknown_names_and_bad_input)
{
    cr_assert_str_eq(lookup("Атлантида"), "(none)");
    cr_assert_str_eq(lookup(""), "(none)");
    cr_assert_str_eq(lookup("край"), "(none)");
    cr_assert_str_eq(lookup("область"), "(none)");
    cr_assert_null(poisk_region_lookup(NULL, 0));
    cr_assert_null(poisk_region_lookup("\xff\xfe\x80", 3));
    cr_assert_null(poisk_region_find_in_text("", 0));
    cr_assert_null(poisk_region_find_in_text("Стратегия цифровой трансформации", 60 - 28));
}

/* Every region is found in a title that names it in the genitive, and no other. */
Test(regions, every_region_found_in_a_strategy_title)
{
    for (size_t i = 0; i < poisk_region_count(); i++) {
        const poisk_region *r = poisk_region_at(i);
        char t[512];
        snprintf(t, sizeof t, "Стратегия в области цифровой трансформации отраслей экономики, "
                 "социальной сферы и государственного управления %s на 2022-2024 годы", r->genitive);
        const poisk_region *f = poisk_region_find_in_text(t, strlen(t));
        cr_assert(f, "%s not found", r->genitive);
        cr_assert_str_eq(f->slug, r->slug);
    }
}

Test(regions, seeds)
{
    static const char *const files[5][2] = {
        { "corpus/000_6d545a6ce98a1d7f.txt", "stavropol" },
        { "corpus/001_3861efe6e14c2db8.txt", "tambov" },
        { "corpus/002_9b4cadca6ea1cf96.txt", "orenburg" },
        { "corpus/003_1226d5db7793b8dd.txt", "khabarovsk" },
        { "corpus/004_c48ce2c96f8ff17a.txt", "kaluga" },
    };
    for (int i = 0; i < 5; i++) {
        size_t len = 0;
        char *t = tu_read_file(files[i][0], &len);
        cr_assert(t);
        const poisk_region *r = poisk_region_find_in_text(t, len);
        cr_assert(r);
        cr_assert_str_eq(r->slug, files[i][1]);
        free(t);
    }
}
