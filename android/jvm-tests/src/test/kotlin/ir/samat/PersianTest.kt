package ir.samat

import ir.samat.core.Category
import ir.samat.core.JalaliDay
import ir.samat.core.Stage
import ir.samat.core.SamatException
import ir.samat.ffi.categories
import ir.samat.ffi.errorMessageFa
import ir.samat.ffi.formatJalali
import ir.samat.ffi.formatRials
import ir.samat.ffi.isoDateToJalali
import ir.samat.ffi.jalaliDay
import ir.samat.ffi.jalaliMonthNames
import ir.samat.ffi.jalaliToIsoDate
import ir.samat.ffi.parseRials
import ir.samat.ffi.stages
import ir.samat.ffi.toPersianDigits
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/** Persian first: labels and Solar Hijri dates come from the core, the same on every platform. */
class PersianTest {
    @Test
    fun `stages and categories have Persian labels`() {
        assertEquals("ثبت شد", Stage.RECEIVED.labelFa())
        assertEquals("Received", Stage.RECEIVED.labelEn())
        assertEquals(10, stages().size)
        val picker = categories()
        assertEquals(9, picker.size)
        assertEquals(Category.SMUGGLED_GOODS, picker.first().category)
        assertEquals("no_invoice", Category.NO_INVOICE.wireName())
        assertEquals("صادر نکردن فاکتور و صورتحساب", Category.NO_INVOICE.labelFa())
    }

    @Test
    fun `dates are shown in the Solar Hijri calendar on Iran time`() {
        // 2026-11-28T10:35:00Z
        assertEquals("۷ آذر ۱۴۰۵، ۱۴:۰۵", formatJalali(1_795_862_100_000L))
        assertEquals("2026-11-28", jalaliToIsoDate(JalaliDay(1405, 9u, 7u)))
        assertEquals(JalaliDay(1404, 1u, 1u), isoDateToJalali("2025-03-21"))
        assertNull(jalaliToIsoDate(JalaliDay(1404, 12u, 30u)))
        assertEquals("۱۲۴", toPersianDigits("124"))
        assertEquals(errorMessageFa("offline"), errorMessageFa("offline"))
    }

    @Test
    fun `amounts are typed in any digits and shown with Persian digits`() {
        assertEquals(2_500_000L, parseRials("۲٬۵۰۰٬۰۰۰"))
        assertEquals(2_500_000L, parseRials("2,500,000"))
        assertEquals(2_500_000L, parseRials("٢٥٠٠٠٠٠"))
        assertNull(parseRials("  "), "an empty field is no amount")
        val bad = assertThrows<SamatException.Invalid> { parseRials("۱۲ هزار") }
        assertEquals("invalid_amount", bad.fields.single().code)
        assertTrue(bad.fields.single().messageFa.isNotEmpty())
        assertEquals("۲٬۵۰۰٬۰۰۰ ریال", formatRials(2_500_000L))
        // What the form shows back is read again as the same amount.
        assertEquals(2_500_000L, parseRials(formatRials(2_500_000L).removeSuffix(" ریال")))
    }

    @Test
    fun `the Jalali date picker's pieces come from the core`() {
        val months = jalaliMonthNames()
        assertEquals(12, months.size)
        assertEquals("آذر", months[8])
        assertEquals(JalaliDay(1405, 9u, 7u), jalaliDay(1_795_862_100_000L))
    }
}
