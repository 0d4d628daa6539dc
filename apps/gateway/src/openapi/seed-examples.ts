/**
 * The six request examples and the bulk example of seed 000 (000_8801a9cb54a5664d.txt), verbatim but
 * for a JSON comment. They are the OpenAPI examples, and the integration tests send every one of them.
 */
export const SEED_000_EVENTS = {
  basicPageView: {
    event_type: 'page_view',
    page_url: 'https://onespa.com/services/massage-therapy',
    event_data: {
      session_id: 'sess_spa_customer_123',
      location_id: 'spa_downtown_location',
      page_category: 'services',
      service_type: 'massage_therapy',
    },
  },
  ecommerceItemInteraction: {
    event_type: 'item_interaction',
    page_url: 'https://mystore.com/products/organic-skincare-set',
    event_data: {
      session_id: 'sess_ecom_456',
      user_id: 'customer_789',
      action: 'add_to_cart',
      product_id: 'skincare_set_organic_001',
      product_name: 'Organic Skincare Essentials Set',
      product_category: 'beauty_skincare',
      product_price: 129.99,
      product_currency: 'USD',
      quantity: 1,
      variant: 'sensitive_skin',
      utm_source: 'instagram',
      utm_campaign: 'holiday_beauty_2024',
    },
  },
  saasFeatureUsage: {
    event_type: 'feature_usage',
    page_url: 'https://myapp.com/dashboard/analytics/reports',
    event_data: {
      session_id: 'sess_saas_enterprise_001',
      user_id: 'user_premium_456',
      feature_name: 'Advanced Analytics Dashboard',
      feature_category: 'analytics',
      action: 'generate_custom_report',
      report_type: 'conversion_funnel',
      date_range: 'last_30_days',
      data_sources: ['website', 'app', 'email'],
      export_format: 'pdf',
      plan_tier: 'enterprise',
      company_size: '500_1000_employees',
    },
  },
  healthcareAppointment: {
    event_type: 'appointment_interaction',
    page_url: 'https://healthcenter.com/book-appointment',
    location_id: 'clinic_north_branch',
    event_data: {
      session_id: 'sess_patient_portal_789',
      user_id: 'patient_hashed_abc123',
      action: 'appointment_booked',
      service_type: 'annual_physical',
      provider_type: 'family_medicine',
      appointment_duration: 60,
      preferred_time: 'morning',
      insurance_verified: true,
      new_patient: false,
      booking_source: 'patient_portal',
    },
  },
  contentEngagement: {
    event_type: 'content_engagement',
    page_url: 'https://myblog.com/ultimate-guide-digital-marketing-2024',
    event_data: {
      session_id: 'sess_content_reader_321',
      action: 'article_completion',
      article_id: 'marketing_guide_2024_001',
      article_title: 'Ultimate Guide to Digital Marketing in 2024',
      article_category: 'marketing',
      article_author: 'Sarah Johnson',
      reading_time_seconds: 480,
      scroll_percentage: 95,
      social_shares: 1,
      newsletter_signup: true,
      lead_magnet_downloaded: 'marketing_checklist_2024',
      utm_source: 'linkedin',
      referrer_domain: 'linkedin.com',
    },
  },
  multiLocationTransaction: {
    event_type: 'transaction_step',
    page_url: 'https://retailchain.com/checkout/payment',
    location_id: 'store_sf_union_square',
    event_data: {
      session_id: 'sess_omnichannel_456',
      user_id: 'loyalty_member_789',
      transaction_id: 'txn_holiday_2024_001',
      funnel_step: 'payment_processing',
      step_number: 4,
      total_steps: 6,
      cart_value: 234.5,
      cart_currency: 'USD',
      payment_method: 'credit_card',
      shipping_method: 'store_pickup',
      loyalty_points_used: 500,
      promo_codes: ['HOLIDAY20', 'NEWCUSTOMER'],
      store_associate_id: 'emp_001',
      channel: 'online_for_pickup',
    },
  },
} as const;

export const SEED_000_BULK = {
  batch_id: 'batch_holiday_campaign_001',
  events: [
    {
      event_type: 'page_view',
      page_url: 'https://store.com/homepage',
      event_data: { session_id: 'sess_001', utm_campaign: 'holiday_2024' },
    },
    {
      event_type: 'item_interaction',
      page_url: 'https://store.com/products/gift-set',
      event_data: { session_id: 'sess_001', action: 'product_view', product_id: 'gift_set_001' },
    },
  ],
} as const;
