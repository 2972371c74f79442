/*
 * normalize.c: character rules of the analyzer (see normalize.h).  Ranges are written out
 * as code so that the rules are readable in one place and cost no start-up time.
 */
#include "normalize.h"

static int is_cyrillic_letter(uint32_t cp)
{
    if (cp < 0x400 || cp > 0x52F)
        return 0;
    return !(cp >= 0x482 && cp <= 0x489);   /* ҂ and the combining titlo/palatalisation marks */
}

poisk_char_class poisk_char_classify_slow(uint32_t cp)
{
    if (cp < 0x80) {
        if ((cp | 0x20) - 'a' < 26u)
            return POISK_CH_LETTER;
        if (cp - '0' < 10u)
            return POISK_CH_DIGIT;
        if (cp == ' ' || cp == '\t')
            return POISK_CH_SPACE;
        if (cp == '\n' || cp == '\r' || cp == '\f' || cp == '\v')
            return POISK_CH_NEWLINE;
        if (cp == '-')
            return POISK_CH_DASH;
        return POISK_CH_SEP;
    }
    if (is_cyrillic_letter(cp))
        return POISK_CH_LETTER;
    if (cp >= 0x483 && cp <= 0x489)
        return POISK_CH_COMBINING;
    if (cp >= 0x300 && cp <= 0x36F)
        return POISK_CH_COMBINING;
    if ((cp >= 0xC0 && cp <= 0x24F && cp != 0xD7 && cp != 0xF7) || cp == 0xAA || cp == 0xBA)
        return POISK_CH_LETTER;
    switch (cp) {
    case 0xAD: case 0x200B: case 0x200C: case 0x200D: case 0x2060: case 0xFEFF:
        return POISK_CH_IGNORE;
    case 0xA0: case 0x1680: case 0x202F: case 0x205F: case 0x3000:
        return POISK_CH_SPACE;
    case 0x85: case 0x2028: case 0x2029:
        return POISK_CH_NEWLINE;
    case 0x2010: case 0x2011: case 0x2012: case 0x2013: case 0x2014: case 0x2015:
    case 0x2212: case 0xFE58: case 0xFE63: case 0xFF0D:
        return POISK_CH_DASH;
    }
    if (cp >= 0x2000 && cp <= 0x200A)
        return POISK_CH_SPACE;
    return POISK_CH_SEP;
}

uint32_t poisk_char_lower_slow(uint32_t cp)
{
    if (cp < 0x80)
        return cp - 'A' < 26u ? cp + 0x20 : cp;
    if (cp >= 0x410 && cp <= 0x42F)
        return cp + 0x20;
    if (cp >= 0x400 && cp <= 0x40F)
        return cp + 0x50;
    if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7)
        return cp + 0x20;
    if (cp < 0x100 || cp > 0x52F)
        return cp;
    if (cp >= 0x100 && cp <= 0x137)
        return cp | 1;
    if (cp >= 0x139 && cp <= 0x148)
        return (cp & 1) ? cp + 1 : cp;
    if (cp >= 0x14A && cp <= 0x177)
        return cp | 1;
    if (cp == 0x178)
        return 0xFF;
    if (cp >= 0x179 && cp <= 0x17E)
        return (cp & 1) ? cp + 1 : cp;
    if ((cp >= 0x460 && cp <= 0x481) || (cp >= 0x48A && cp <= 0x4BF)
        || (cp >= 0x4D0 && cp <= 0x52F))
        return cp | 1;
    if (cp == 0x4C0)
        return 0x4CF;
    if (cp >= 0x4C1 && cp <= 0x4CE)
        return (cp & 1) ? cp + 1 : cp;
    return cp;
}

uint32_t poisk_char_compose(uint32_t base, uint32_t mark)
{
    if (mark == 0x306) {                 /* breve: й Й ў Ў */
        switch (base) {
        case 0x438: return 0x439;
        case 0x418: return 0x419;
        case 0x443: return 0x45E;
        case 0x423: return 0x40E;
        }
    } else if (mark == 0x308) {          /* diaeresis: ё Ё ї Ї */
        switch (base) {
        case 0x435: return 0x451;
        case 0x415: return 0x401;
        case 0x456: return 0x457;
        case 0x406: return 0x407;
        }
    }
    return 0;
}

uint32_t poisk_char_homoglyph(uint32_t cp)
{
    switch (cp) {
    case 'A': return 0x410; case 'B': return 0x412; case 'C': return 0x421;
    case 'E': return 0x415; case 'H': return 0x41D; case 'K': return 0x41A;
    case 'M': return 0x41C; case 'O': return 0x41E; case 'P': return 0x420;
    case 'T': return 0x422; case 'X': return 0x425; case 'Y': return 0x423;
    case 'a': return 0x430; case 'c': return 0x441; case 'e': return 0x435;
    case 'o': return 0x43E; case 'p': return 0x440; case 'x': return 0x445;
    case 'y': return 0x443; case 'k': return 0x43A;
    }
    return 0;
}
